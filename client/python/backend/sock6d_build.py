"""sock6d_build: the PEP 517 build backend of the sock6d Python package.

Standard library only, and pyproject.toml asks for no build requirement,
so `pip install client/python` works with nothing but pip: offline, with
or without build isolation, with no setuptools or wheel installed.  Nothing
is written into the source tree.

The wheel holds the package directory named like the project (every .py
file under it) and the metadata of pyproject.toml's [project] table; a key
of that table this backend does not know is an error rather than being
dropped.  Also builds the sdist and an editable wheel (PEP 660: a .pth file
naming the source directory).
"""

import base64
import hashlib
import io
import os
import tarfile
import tomllib
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKEND = os.path.relpath(os.path.abspath(__file__), ROOT)
KNOWN_KEYS = {"name", "version", "description", "readme", "requires-python",
              "license", "dependencies", "classifiers"}
# Zip and tar entries get a fixed date (the earliest a zip can hold), so
# that two builds of the same tree are the same bytes.
EPOCH = (1980, 1, 1, 0, 0, 0)


def _project():
    """The [project] table, checked."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        doc = tomllib.load(f)
    p = doc.get("project")
    if not isinstance(p, dict):
        raise ValueError("pyproject.toml: no [project] table")
    unknown = sorted(set(p) - KNOWN_KEYS)
    if unknown:
        raise ValueError("pyproject.toml: [project] keys not handled by %s: %s"
                         % (BACKEND, ", ".join(unknown)))
    for key in ("name", "version"):
        if not isinstance(p.get(key), str) or not p[key]:
            raise ValueError("pyproject.toml: [project] %s must be a non-empty string" % key)
    return p


def _dist(p):
    """The distribution name as file names spell it."""
    return p["name"].replace("-", "_").replace(".", "_")


def _package_files(p):
    """The package's .py files, relative to ROOT, sorted."""
    pkg = _dist(p)
    top = os.path.join(ROOT, pkg)
    if not os.path.isfile(os.path.join(top, "__init__.py")):
        raise ValueError("%s: no package directory %s/ with an __init__.py" % (ROOT, pkg))
    out = []
    for d, subdirs, files in os.walk(top):
        subdirs[:] = sorted(s for s in subdirs if s != "__pycache__")
        out += [os.path.relpath(os.path.join(d, f), ROOT) for f in files if f.endswith(".py")]
    return sorted(out)


def _metadata(p):
    """Core metadata (METADATA, PKG-INFO) from the [project] table."""
    lines = ["Metadata-Version: 2.1", "Name: " + p["name"], "Version: " + p["version"]]
    if p.get("description"):
        lines.append("Summary: " + p["description"])
    if p.get("requires-python"):
        lines.append("Requires-Python: " + p["requires-python"])
    lic = p.get("license")
    if isinstance(lic, dict) and lic.get("text"):
        lines.append("License: " + lic["text"])
    lines += ["Classifier: " + c for c in p.get("classifiers", [])]
    lines += ["Requires-Dist: " + d for d in p.get("dependencies", [])]
    body = ""
    readme = p.get("readme")
    if readme is not None:
        if not isinstance(readme, str) or not readme.endswith(".md"):
            raise ValueError("pyproject.toml: [project] readme must name a .md file")
        lines.append("Description-Content-Type: text/markdown")
        with open(os.path.join(ROOT, readme), encoding="utf-8") as f:
            body = "\n" + f.read()
    return "\n".join(lines) + "\n" + body


def _wheel_file(tag="py3-none-any"):
    return ("Wheel-Version: 1.0\nGenerator: sock6d_build\n"
            "Root-Is-Purelib: true\nTag: %s\n" % tag)


def _dist_info(p):
    return "%s-%s.dist-info" % (_dist(p), p["version"])


def _write_wheel(wheel_directory, p, entries):
    """A wheel of entries (name, bytes) plus its dist-info; returns its name."""
    info = _dist_info(p)
    entries = list(entries) + [(info + "/METADATA", _metadata(p).encode()),
                               (info + "/WHEEL", _wheel_file().encode())]
    record = []
    for name, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append("%s,sha256=%s,%d" % (name, digest.decode(), len(data)))
    record.append(info + "/RECORD,,")
    entries.append((info + "/RECORD", ("\n".join(record) + "\n").encode()))
    name = "%s-%s-py3-none-any.whl" % (_dist(p), p["version"])
    path = os.path.join(wheel_directory, name)
    with zipfile.ZipFile(path + ".part", "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in entries:
            zi = zipfile.ZipInfo(n, EPOCH)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    os.replace(path + ".part", path)
    return name


def _read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    p = _project()
    info = _dist_info(p)
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    for name, text in (("METADATA", _metadata(p)), ("WHEEL", _wheel_file())):
        with open(os.path.join(metadata_directory, info, name), "w", encoding="utf-8") as f:
            f.write(text)
    return info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    p = _project()
    return _write_wheel(wheel_directory, p, [(f, _read(f)) for f in _package_files(p)])


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    p = _project()
    _package_files(p)  # the package must be there
    return _write_wheel(wheel_directory, p, [(_dist(p) + ".pth", (ROOT + "\n").encode())])


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = "%s-%s" % (_dist(p), p["version"])
    files = ["pyproject.toml", BACKEND] + _package_files(p)
    if p.get("readme"):
        files.append(p["readme"])
    name = base + ".tar.gz"
    path = os.path.join(sdist_directory, name)
    with tarfile.open(path + ".part", "w:gz", format=tarfile.PAX_FORMAT) as t:
        for rel, data in [(f, _read(f)) for f in sorted(set(files))] + \
                         [("PKG-INFO", _metadata(p).encode())]:
            ti = tarfile.TarInfo(base + "/" + rel)
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = 315532800  # EPOCH
            t.addfile(ti, io.BytesIO(data))
    os.replace(path + ".part", path)
    return name
