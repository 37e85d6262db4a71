from .cli import run

if __name__ == "__main__":  # a Dask LocalCluster's spawned workers import this module again
    run()
