"""A file the command line writes whole or not at all (``boussole report``): its content goes to
a temporary file beside it, which replaces it in one step once complete. An interrupted or failed
command leaves the file as it was, never half written."""

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Why a file could not be written, in French, for the errors people meet.
_REASONS = {
    errno.ENOENT: "son dossier n'existe pas",
    errno.ENOTDIR: "un élément de son chemin n'est pas un dossier",
    errno.EACCES: "permission refusée",
    errno.EPERM: "permission refusée",
    errno.EISDIR: "c'est un dossier",
    errno.EROFS: "le disque est en lecture seule",
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota du disque est atteint",
    errno.ENAMETOOLONG: "son nom est trop long",
}


class FileNotWrittenError(Exception):
    """``path`` could not be written; ``reason`` says why, in French."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.path = path
        self.reason = _REASONS.get(error.errno or 0) or error.strerror or str(error)
        super().__init__(f"{path} : {self.reason}")


class WholeFile:
    """The temporary file beside ``path`` that ``whole_file`` yields."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise FileNotWrittenError(path, IsADirectoryError(errno.EISDIR, "", str(path)))
        try:
            descriptor, name = tempfile.mkstemp(
                dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
            )
        except OSError as exc:
            raise FileNotWrittenError(path, exc) from exc
        os.close(descriptor)
        self.partial = Path(name)

    def write(self, content: bytes) -> None:
        """``content`` written, synced, then put in place of ``path`` (mode as a new file's,
        by the umask)."""
        try:
            with self.partial.open("wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            mask = os.umask(0)
            os.umask(mask)
            self.partial.chmod(0o666 & ~mask)
            self.partial.replace(self.path)
        except OSError as exc:
            raise FileNotWrittenError(self.path, exc) from exc


@contextmanager
def whole_file(path: Path) -> Iterator[WholeFile]:
    """The temporary file of ``path``, made at once (a folder that cannot be written to fails
    here, before any work: ``FileNotWrittenError``); ``write`` puts its content in place. Left
    unwritten, or on an error, it is removed and ``path`` stays as it was."""
    target = WholeFile(path)
    try:
        yield target
    finally:
        target.partial.unlink(missing_ok=True)
