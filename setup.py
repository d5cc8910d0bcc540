"""Build script: the compiled twins are added here as optional extensions."""
from setuptools import setup

setup()
