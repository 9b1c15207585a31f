"""The SWE images, built here from Debian packages: nothing is pulled from a registry.

* The **base image** (:func:`base_image`) is a minimal Debian bookworm made by
  ``debootstrap --variant=minbase --include=python3,python3-pytest,git,patch`` and ``docker import``
  (about 200 MB, shared by every task), with an unprivileged ``agent`` user (uid 1000).
* One small **repo image** per task repo (:func:`repo_image`) adds the repo, as a git repository
  with one deterministic commit, on top of the base (``docker build``, a layer of a few hundred KB).

Both are tagged by a hash of what they are made from, so a build is skipped when its image is
there already, and a changed repo gets a new image. ``agentgym swe build`` builds them all.

Example (no Docker needed):
    >>> from agentgym.envs.swe.images import repo_names, repo_commit
    >>> "minicalc" in repo_names()
    True
    >>> len(repo_commit("minicalc"))
    40
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from agentgym.envs.swe.sandbox import LABEL, docker_client

REPOS_DIR = Path(__file__).parent / "repos"
SUITE = "bookworm"
PACKAGES = ("python3", "python3-pytest", "git", "patch")
#: Where the repo lies in a repo image: in a root-owned folder of mode 0700 (the vault) that the agent
#: cannot read, so that the clean code cannot be diffed against. Resets read it as the image's root.
REPO_SRC = "/opt/agentgym/vault/repo"
#: The pytest configuration grading uses, fixed in the image so that a patch cannot change it.
GRADE_INI = "/opt/agentgym/grade.ini"
_GRADE_INI_TEXT = """[pytest]
addopts = -p no:cacheprovider
pythonpath = /work/repo
"""
_GITIGNORE = """__pycache__/
*.pyc
.pytest_cache/
"""
_GITCONFIG = """[user]
\tname = agentgym
\temail = agentgym@localhost
[safe]
\tdirectory = *
[advice]
\tdetachedHead = false
[init]
\tdefaultBranch = main
[core]
\thooksPath = /dev/null
\texcludesFile = /opt/agentgym/gitignore
"""
# Deterministic commits: the same repo files give the same base commit on every machine.
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "agentgym",
    "GIT_AUTHOR_EMAIL": "agentgym@localhost",
    "GIT_COMMITTER_NAME": "agentgym",
    "GIT_COMMITTER_EMAIL": "agentgym@localhost",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}
_BASE_VERSION = "1"  # bump when the recipe below changes in a way the hash does not see
_REPO_VERSION = "2"  # likewise for repo images
_TRIM = ("var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale")

Progress = Callable[[str], None]


class ImageBuildError(RuntimeError):
    """An image could not be built; the message says why and what to do."""


def _noop(_: str) -> None:
    pass


def _hash(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:12]


def mirror() -> str:
    """The Debian mirror debootstrap uses (``AGENTGYM_DEBIAN_MIRROR`` overrides it)."""
    return os.environ.get("AGENTGYM_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def base_tag() -> str:
    """The base image's name, tagged by the hash of its recipe."""
    recipe = _hash(_BASE_VERSION, SUITE, ",".join(PACKAGES), _GRADE_INI_TEXT, _GITCONFIG, _GITIGNORE, ",".join(_TRIM))
    return f"agentgym-swe/base:{recipe}"


def _image_exists(tag: str) -> bool:
    try:
        docker_client().images.get(tag)
    except Exception:
        return False
    return True


def _as_root(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return cmd
    if shutil.which("sudo"):
        return ["sudo", "-n", *cmd]
    raise ImageBuildError("building the base image needs root (debootstrap); run as root or with sudo")


def base_image(progress: Progress = _noop, *, rebuild: bool = False) -> str:
    """Build the base image unless it exists; returns its tag."""
    tag = base_tag()
    if not rebuild and _image_exists(tag):
        progress(f"base image {tag}: cached")
        return tag
    debootstrap = shutil.which("debootstrap") or ("/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else None)
    if debootstrap is None:
        raise ImageBuildError("debootstrap is missing: apt-get install -y debootstrap")
    with tempfile.TemporaryDirectory(prefix="agentgym-base-") as tmp:
        root = Path(tmp) / "rootfs"
        log = Path(tmp) / "debootstrap.log"
        progress(f"base image {tag}: debootstrap {SUITE} ({', '.join(PACKAGES)}) from {mirror()} (about a minute)")
        cmd = _as_root([debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(root), mirror()])
        with open(log, "wb") as out:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:]
            raise ImageBuildError(f"debootstrap failed (exit {done.returncode}):\n{tail}")
        progress("base image: trimming and adding the agent user")
        script = ["set -e", f"cd {root}"]
        script += [f"rm -rf {path}/*" for path in _TRIM]
        script += [
            "echo 'agent:x:1000:1000:agentgym agent:/tmp:/bin/bash' >> etc/passwd",
            "echo 'agent:x:1000:' >> etc/group",
            "echo 'agent:!:20000:0:99999:7:::' >> etc/shadow",
            "mkdir -p work opt/agentgym",
        ]
        subprocess.run(_as_root(["bash", "-c", "\n".join(script)]), check=True)
        for target, text in (("opt/agentgym/grade.ini", _GRADE_INI_TEXT), ("etc/gitconfig", _GITCONFIG),
                             ("opt/agentgym/gitignore", _GITIGNORE)):
            staged = Path(tmp) / Path(target).name
            staged.write_text(text)
            subprocess.run(_as_root(["install", "-m", "0644", str(staged), str(root / target)]), check=True)
        archive = Path(tmp) / "rootfs.tar"
        progress("base image: docker import")
        subprocess.run(_as_root(["tar", "-C", str(root), "-cf", str(archive), "."]), check=True)
        repository, version = tag.split(":")
        docker_client().api.import_image_from_file(
            str(archive),
            repository=repository,
            tag=version,
            changes=[
                'CMD ["sleep", "infinity"]',
                "ENV HOME=/tmp LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1",
                "WORKDIR /work",
            ],
        )
        subprocess.run(_as_root(["rm", "-rf", str(root), str(archive)]), check=False)
    if not _image_exists(tag):
        raise ImageBuildError(f"docker import did not produce {tag}")
    progress(f"base image {tag}: built")
    return tag


# --------------------------------------------------------------------------------------------------
# task repos


def repo_names() -> list[str]:
    """The task repos shipped with agentgym (each a directory of ``repos/`` with a ``pytest.ini``)."""
    return sorted(p.name for p in REPOS_DIR.iterdir() if (p / "pytest.ini").is_file())


def repo_dir(name: str) -> Path:
    path = REPOS_DIR / name
    if not (path / "pytest.ini").is_file():
        raise KeyError(f"unknown task repo {name!r}; shipped repos: {', '.join(repo_names())}")
    return path


def repo_files(name: str) -> dict[str, bytes]:
    """The repo's files by posix path (caches and compiled files left out)."""
    root = repo_dir(name)
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_dir() or any(part in {"__pycache__", ".pytest_cache"} for part in rel.parts) or path.suffix == ".pyc":
            continue
        files[rel.as_posix()] = path.read_bytes()
    return files


def _repo_hash(name: str) -> str:
    files = repo_files(name)
    return _hash(_REPO_VERSION, *(item for path, data in files.items() for item in (path, data)))


def repo_tag(name: str) -> str:
    """The repo image's name, tagged by the hash of the repo's files.

    Tasks name this image, so a changed repo (whose tasks must be generated again) gets a new name,
    while a rebuilt base image leaves the names, and the tasks, as they are.
    """
    return f"agentgym-swe/{name}:{_repo_hash(name)}"


def _git(cwd: Path, *args: str) -> str:
    env = {**_GIT_ENV, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ImageBuildError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def stage_repo(name: str, dest: Path) -> str:
    """Write the repo to ``dest`` as a git repository with one deterministic commit; returns the commit."""
    dest.mkdir(parents=True, exist_ok=True)
    for rel, data in repo_files(name).items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
    _git(dest, "-c", "init.defaultBranch=main", "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", f"{name}: the task repo")
    return _git(dest, "rev-parse", "HEAD")


@functools.cache
def _repo_commit_cached(name: str, content_hash: str) -> str:
    with tempfile.TemporaryDirectory(prefix="agentgym-repo-") as tmp:
        return stage_repo(name, Path(tmp) / name)


def repo_commit(name: str) -> str:
    """The base commit of the repo image of ``name`` (the same on every machine for the same files)."""
    return _repo_commit_cached(name, _repo_hash(name))


def repo_image(name: str, progress: Progress = _noop, *, rebuild: bool = False) -> str:
    """Build the repo image of ``name`` (and the base image if needed) unless it exists; returns its tag."""
    tag = repo_tag(name)
    if not rebuild and _image_exists(tag):
        progress(f"{name} image {tag}: cached")
        return tag
    base = base_image(progress)
    with tempfile.TemporaryDirectory(prefix="agentgym-build-") as tmp:
        context = Path(tmp)
        vault = context / "vault"
        commit = stage_repo(name, vault / "repo")
        (vault / "repo").chmod(0o700)
        (context / "Dockerfile").write_text(
            f"FROM {base}\nCOPY vault {Path(REPO_SRC).parent}\n"
            f'LABEL {LABEL}.repo="{name}" {LABEL}.commit="{commit}"\n'
        )
        progress(f"{name} image {tag}: docker build")
        repository, version = tag.split(":")
        try:
            docker_client().images.build(path=str(context), tag=tag, rm=True, forcerm=True, network_mode="none")
        except Exception as exc:
            raise ImageBuildError(f"docker build of {tag} failed: {exc}") from exc
    progress(f"{name} image {tag}: built")
    return tag


def build_all(names: list[str] | None = None, progress: Progress = _noop, *, rebuild: bool = False) -> dict[str, str]:
    """Build the base image and every repo image (or those in ``names``); returns {repo: tag}."""
    base_image(progress, rebuild=rebuild)
    return {name: repo_image(name, progress, rebuild=rebuild) for name in (names or repo_names())}

