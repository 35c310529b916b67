"""The local model's native build runs on any x86-64 CPU with AVX2 (scripts/install_local_model.sh).

A build tuned to the building CPU (llama.cpp's default) emitted AVX-512 and AMX
code that segfaulted on another machine. Two kinds of evidence, each with a control
that shows it can fail:
- statically: no instruction in llama-cpp-python's shared objects needs more than
  AVX2/FMA/F16C (objdump, from binutils);
- running: under `qemu-x86_64 -cpu Haswell` (Debian's qemu-user: an emulated CPU
  without AVX-512 or AMX) the model's greedy text is the host's, byte for byte.
"""
import importlib.util
import json
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proctor.extras import installed
from proctor.models.base import Request
from proctor.suite import Decoding

pytestmark = [
    pytest.mark.skipif(platform.machine() != "x86_64",
                       reason=f"AVX-512/AMX and qemu-x86_64 concern x86-64 machines; this one is {platform.machine()}"),
    pytest.mark.skipif(not installed("local"),
                       reason="the local model is not installed; `make install` builds it"),
]
HASWELL = ["qemu-x86_64", "-cpu", "Haswell"]
# Beyond the baseline: EVEX-encoded code (AVX-512, any register width), the opmask
# registers, AMX tiles, and AVX-VNNI (which Haswell lacks too).
EVEX = re.compile(r"^((26|2e|36|3e|64|65|67) )*62 ")
BEYOND = re.compile(r"%zmm|%[xy]mm(1[6-9]|2\d|3[01])\b|%k[0-7]\b|%tmm|^(\{vex\} )?(ldtilecfg|sttilecfg|tile|tdp|"
                    r"vpdpbusd|vpdpwssd)")


def beyond_baseline(shared_object: Path) -> list[str]:
    """The instructions of `shared_object` a Haswell-class CPU cannot run."""
    listing = subprocess.run(["objdump", "-d", "-w", str(shared_object)], capture_output=True, text=True,
                             check=True).stdout
    found = []
    for line in listing.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and (EVEX.match(fields[1]) or BEYOND.search(re.sub(r"<[^>]*>|#.*", "", fields[2]))):
            found.append(line.strip())
    return found


def llama_libraries() -> list[Path]:
    package = Path(importlib.util.find_spec("llama_cpp").origin).parent
    libraries = [p for p in package.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    assert any(p.name.startswith("libggml-cpu") for p in libraries), libraries
    return libraries


@pytest.mark.skipif(not shutil.which("objdump") or not shutil.which("as"), reason="binutils is not installed")
def test_the_scanner_finds_avx512_and_amx_instructions(tmp_path):
    source = tmp_path / "beyond.s"
    source.write_text("vpaddd %ymm0,%ymm0,%ymm0\n"   # AVX2: allowed
                      "vpaddd %zmm0,%zmm0,%zmm0\nvpternlogd $0xff,%ymm1,%ymm2,%ymm3\nvaddps %xmm17,%xmm1,%xmm2\n"
                      "kmovw %k1,%eax\ntilerelease\ntdpbssd %tmm1,%tmm2,%tmm3\n")
    subprocess.run(["as", str(source), "-o", str(tmp_path / "beyond.o")], check=True)
    found = beyond_baseline(tmp_path / "beyond.o")
    assert len(found) == 6, found
    assert not any("%ymm0,%ymm0,%ymm0" in line for line in found)


@pytest.mark.skipif(not shutil.which("objdump"), reason="binutils is not installed")
def test_llama_cpp_shared_objects_hold_no_avx512_or_amx_instructions():
    found = {p.name: beyond_baseline(p)[:3] for p in llama_libraries()}
    assert not any(found.values()), found


def test_the_build_records_its_portable_configuration():
    package = Path(importlib.util.find_spec("llama_cpp").origin).parent
    build = json.loads((package / "proctor_build.json").read_text())
    assert "-DGGML_NATIVE=OFF" in build["cmake_args"] and "-DGGML_AVX512=OFF" in build["cmake_args"]
    assert build["key"].startswith(f"{build['version']}-x86_64-")


needs_qemu = pytest.mark.skipif(not shutil.which("qemu-x86_64"),
                                reason="qemu-x86_64 is missing (Debian's qemu-user; `make install` installs it)")


@needs_qemu
def test_the_emulated_haswell_cpu_refuses_avx512(tmp_path):
    """The control: qemu's Haswell really lacks AVX-512, so the next test can fail."""
    script = tmp_path / "run_code.py"
    script.write_text("import ctypes, mmap, sys\n"
                      "page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
                      "page.write(bytes.fromhex(sys.argv[1]) + b'\\xc3')\n"  # the instruction, then ret
                      "ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(page)))()\n")
    avx2 = subprocess.run([*HASWELL, sys.executable, str(script), "c5fdfec0"], capture_output=True)  # ymm add
    avx512 = subprocess.run([*HASWELL, sys.executable, str(script), "62f17d48fec0"], capture_output=True)  # zmm
    assert avx2.returncode == 0, avx2.stderr
    assert avx512.returncode != 0 and b"Illegal instruction" in avx512.stderr


@needs_qemu
def test_greedy_text_on_an_emulated_haswell_cpu_is_the_hosts():
    # Tiny on purpose: emulation runs the model about 30 times slower than the host.
    request = Request(("p", 0), "2+3=", Decoding(0.0, 4, ()), 0)
    texts = {}
    for name, launcher in (("host", ()), ("haswell", HASWELL)):
        from proctor.models.local import LocalModel

        model = LocalModel(n_ctx=256, threads=1, launcher=launcher)
        try:
            texts[name] = model.complete(request).text
        finally:
            model.close()
    assert texts["host"].strip(), texts
    assert texts["haswell"] == texts["host"]
