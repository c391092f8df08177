"""Test helper, not a test: runs the `stem` CLI with every write through stem.jsonio refused with
ENOSPC once the file named by $STEM_TEST_FULL_DISK exists (a full disk where no tmpfs can be mounted)."""

import errno
import os
import sys

import stem.jsonio as jsonio

TRIGGER = os.environ["STEM_TEST_FULL_DISK"]


class FullDisk:
    """The `os` module as stem.jsonio sees it, except that writes and renames fail while the trigger exists."""

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def _refuse():
        if os.path.exists(TRIGGER):
            raise OSError(errno.ENOSPC, "No space left on device")

    def write(self, fd, data):
        self._refuse()
        return os.write(fd, data)

    def replace(self, src, dst):
        self._refuse()
        return os.replace(src, dst)


jsonio.os = FullDisk()

if __name__ == "__main__":
    from stem.cli import main
    sys.argv = ["stem"] + sys.argv[1:]
    main()
