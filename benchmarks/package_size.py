"""Prints the size of the Lambda deployment zip (built with `python -m infra.build_package package`).

    python benchmarks/package_size.py [--no-build]

Builds the package first (the trimmed dependencies are cached in build/lambda/vendor), then prints the
zip's size against the 50 MiB that `chalice deploy` can upload, and the largest packages inside.
"""
from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra import build_package  # noqa: E402

LIMIT = 50 * 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="measure the existing build/package zip")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    zip_path = build_package.PACKAGE_OUT / "deployment.zip"
    if not args.no_build:
        zip_path = build_package.package()
    size = zip_path.stat().st_size
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
    per_top: dict[str, list[int]] = {}
    for info in infos:
        top = per_top.setdefault(info.filename.split("/")[0], [0, 0])
        top[0] += info.compress_size
        top[1] += info.file_size
    print(f"deployment zip:  {size / 2**20:6.1f} MiB ({size} bytes), {len(infos)} files")
    print(f"unzipped:        {sum(i.file_size for i in infos) / 2**20:6.1f} MiB")
    print(f"limit:           {LIMIT / 2**20:6.1f} MiB (chalice deploy); headroom {(LIMIT - size) / 2**20:.1f} MiB")
    print("largest entries (zipped MiB / unzipped MiB):")
    for name, (zipped, unzipped) in sorted(per_top.items(), key=lambda item: -item[1][0])[:args.top]:
        print(f"  {zipped / 2**20:6.1f} / {unzipped / 2**20:6.1f}  {name}")
    return 0 if size < LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
