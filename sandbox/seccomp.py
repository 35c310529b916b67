"""A seccomp deny-list for sandboxed code, compiled by the system's libseccomp.

Defence in depth on top of namespaces and dropped capabilities: the calls below
either need privileges the candidate lacks anyway or are kernel attack surface
with a record of privilege-escalation bugs (io_uring, bpf, perf_event_open,
userfaultfd, keyctl). Denied calls fail with EPERM instead of killing the
process, so ordinary programs that probe for them keep working.

libseccomp (Debian: libseccomp2, present on every Debian 12 system) is called
through ctypes: it resolves syscall names per architecture and emits the BPF,
so no filter is written by hand here.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os

DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "keyctl", "add_key", "request_key",
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "syslog", "acct", "quotactl", "lookup_dcookie",
    "open_by_handle_at", "name_to_handle_at", "fanotify_init",
    # SysV IPC objects outlive the processes that made them (warm runs share an IPC namespace).
    "shmget", "semget", "msgget",
)
SCMP_ACT_ALLOW = 0x7FFF0000


def _act_errno(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


@functools.lru_cache(maxsize=None)
def deny_list_bpf() -> bytes | None:
    """The compiled filter for this machine's architecture, or None when
    libseccomp is not installed."""
    name = ctypes.util.find_library("seccomp")
    if name is None:
        return None
    lib = ctypes.CDLL(name, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        return None
    try:
        for call in DENIED:
            number = lib.seccomp_syscall_resolve_name(call.encode())
            if number < 0:  # not a syscall on this architecture
                continue
            if lib.seccomp_rule_add(ctx, _act_errno(errno.EPERM), number, 0) != 0:
                raise OSError(f"libseccomp refused a rule for {call}")
        fd = os.memfd_create("proctor-seccomp", os.MFD_CLOEXEC)
        try:
            if lib.seccomp_export_bpf(ctx, fd) != 0:
                raise OSError("libseccomp could not export the filter")
            os.lseek(fd, 0, os.SEEK_SET)
            return os.read(fd, 1 << 20)
        finally:
            os.close(fd)
    finally:
        lib.seccomp_release(ctx)
