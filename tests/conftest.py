import os

# Keep every test single-threaded and headless: CI machines have 2 cores and no screen.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
