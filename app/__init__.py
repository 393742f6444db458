"""Boussole: tracking the Projet de territoire 2024-2044 of La Porte du Hainaut."""

__version__ = "0.1.0"
