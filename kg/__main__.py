import sys

from .cli import main

if __name__ == "__main__":  # a Dask LocalCluster's spawned workers import this module again
    sys.exit(main())
