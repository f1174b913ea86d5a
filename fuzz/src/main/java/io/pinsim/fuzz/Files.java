package io.pinsim.fuzz;

import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.Filesystem;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.IoUring;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;

/** The file, direct-I/O and io_uring operations of a fuzz sequence. */
final class Files {
    /** The mountable kinds (hugetlbfs files come from memfd_create(MFD_HUGETLB): {@link MemfdOps}). */
    private static final FsKind[] KINDS = {FsKind.EXT4, FsKind.TMPFS, FsKind.DAX};
    private final World w;

    Files(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        int a = op.a();
        int b = op.b();
        int c = op.c();
        int d = op.d();
        switch (op.kind()) {
            case OPEN -> {
                World.Proc p = w.liveProc(a);
                if (p == null || w.files.size() >= 16) {
                    return false;
                }
                Inode inode = inode(b);
                int acc = switch (Math.floorMod(d, 4)) {
                    case 0 -> OpenFlags.RDONLY;
                    case 1 -> OpenFlags.WRONLY;
                    default -> OpenFlags.RDWR;
                };
                int flags = acc | (Math.floorMod(c, 3) == 0 ? OpenFlags.DIRECT : 0);
                String call = p.var() + ".open(" + w.inodeVars.get(w.inodes.indexOf(inode)) + ", " + World.openFlags(flags) + ")";
                OpenFile f;
                try {
                    f = p.p().open(inode, flags);
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                String v = w.newVar("f");
                w.line("OpenFile " + v + " = " + call + ";");
                w.files.add(new World.File(f, v, (flags & OpenFlags.DIRECT) != 0));
            }
            case FILE_PWRITE, FILE_PREAD -> {
                World.File f = w.file(b, w.liveProc(a));
                if (f == null || f.direct()) {
                    // the byte-array calls are buffered I/O; O_DIRECT needs user memory (FILE_*_USER)
                    return false;
                }
                long off = (long) Math.floorMod(c, 6) * World.PAGE + (Math.floorMod(d, 3) == 0 ? 512 : 0);
                int len = 1 + Math.floorMod(d, 2) * (World.PAGE + 99);
                if (op.kind() == Op.Kind.FILE_PWRITE) {
                    w.tolerantLine(f.var() + ".pwrite(fill('F', " + len + "), " + off + "L)");
                    f.f().pwrite(World.fill('F', len), off);
                } else {
                    w.tolerantLine(f.var() + ".pread(" + off + "L, " + len + ")");
                    f.f().pread(off, len);
                }
            }
            case FILE_WRITE_USER, FILE_READ_USER -> {
                World.Proc p = w.liveProc(a);
                World.File f = w.file(b, p);
                World.Range r = w.rangeAt(c);
                if (f == null || r == null) {
                    return false;
                }
                int len = (int) Math.min(r.length(), (long) (1 + Math.floorMod(d, 2)) * World.PAGE);
                long off = (long) Math.floorMod(d >> 1, 4) * World.PAGE;
                String fn = op.kind() == Op.Kind.FILE_WRITE_USER ? "pwrite" : "pread";
                w.tolerantLine(f.var() + "." + fn + "(" + "0x" + Long.toHexString(r.addr()) + "L, " + len + ", " + off + "L)");
                if (op.kind() == Op.Kind.FILE_WRITE_USER) {
                    f.f().pwrite(r.addr(), len, off);
                } else {
                    f.f().pread(r.addr(), len, off);
                }
            }
            case FSYNC, WRITEBACK, FILE_CLOSE -> {
                World.File f = w.file(b, w.liveProc(a));
                if (f == null) {
                    return false;
                }
                if (op.kind() == Op.Kind.FSYNC) {
                    w.tolerantLine(f.var() + ".fsync()");
                    f.f().fsync();
                } else if (op.kind() == Op.Kind.WRITEBACK) {
                    w.tolerantLine(f.var() + ".writeback()");
                    f.f().writeback();
                } else {
                    w.tolerantLine(f.var() + ".close()");
                    f.f().close();
                }
            }
            case TRUNCATE, PUNCH_HOLE -> {
                World.File f = w.file(b, w.liveProc(a));
                if (f == null || op.kind() == Op.Kind.PUNCH_HOLE && f.f().inode().filesystem().kind() == FsKind.HUGETLBFS) {
                    // hugetlbfs_punch_hole() is not modelled: punching a memfd(MFD_HUGETLB) is refused as API misuse
                    return false;
                }
                long x = (long) Math.floorMod(c, 5) * World.PAGE + (Math.floorMod(d, 4) == 0 ? 50 : 0);
                if (op.kind() == Op.Kind.TRUNCATE) {
                    w.tolerantLine(f.var() + ".startTruncate(" + x + "L)");
                    f.f().startTruncate(x);
                } else {
                    long len = (long) (1 + Math.floorMod(d, 3)) * World.PAGE + (Math.floorMod(d, 5) == 0 ? 54 : 0);
                    w.tolerantLine(f.var() + ".startPunchHole(" + x + "L, " + len + "L)");
                    f.f().startPunchHole(x, len);
                }
            }
            case DIO_START -> {
                World.Proc p = w.liveProc(a);
                World.File f = w.file(b, p);
                World.Range r = w.rangeAt(c);
                if (f == null || r == null || !f.direct() || w.dios.size() >= 12) {
                    return false;
                }
                int len = (int) Math.min(r.length(), (long) (1 + Math.floorMod(d, 2)) * World.PAGE);
                long off = (long) Math.floorMod(d >> 1, 4) * World.PAGE;
                boolean write = Math.floorMod(d >> 3, 2) == 0;
                String call = f.var() + (write ? ".startDirectWrite(" : ".startDirectRead(") + "0x" + Long.toHexString(r.addr()) + "L, " + len + ", " + off + "L)";
                DirectIo dio;
                try {
                    dio = write ? f.f().startDirectWrite(r.addr(), len, off) : f.f().startDirectRead(r.addr(), len, off);
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                String v = w.newVar("d");
                w.line("DirectIo " + v + " = " + call + ";");
                w.dios.add(dio);
                w.dioVars.add(v);
            }
            case DIO_COMPLETE -> {
                int i = pendingDio(b);
                if (i < 0) {
                    return false;
                }
                w.tolerantLine(w.dioVars.get(i) + ".complete()");
                w.dios.get(i).complete();
            }
            case URING_SETUP -> {
                World.Proc p = w.liveProc(a);
                if (p == null || w.rings.size() >= 4) {
                    return false;
                }
                String call = p.var() + ".ioUringSetup()";
                IoUring r;
                try {
                    r = p.p().ioUringSetup();
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                w.line("IoUring ring" + w.rings.size() + " = " + call + ";");
                w.rings.add(r);
                w.ringOwners.add(p.p());
            }
            case URING_REGISTER -> {
                World.Range r = w.rangeAt(c);
                if (w.rings.isEmpty() || r == null) {
                    return false;
                }
                int ri = Math.floorMod(b, w.rings.size());
                if (!w.ringOwners.get(ri).isAlive() || w.forking(w.ringOwners.get(ri))) {
                    return false;
                }
                int len = (int) Math.min(r.length(), (long) (1 + Math.floorMod(d, 3)) * World.PAGE);
                w.tolerantLine("ring" + ri + ".registerBuffer(0x" + Long.toHexString(r.addr()) + "L, " + len + ")");
                w.rings.get(ri).registerBuffer(r.addr(), len);
            }
            case URING_FIXED_IO -> {
                World.Proc p = w.liveProc(a);
                World.File f = w.file(c, p);
                if (p == null || f == null || w.rings.isEmpty()) {
                    return false;
                }
                int ri = Math.floorMod(b, w.rings.size());
                IoUring ring = w.rings.get(ri);
                if (ring.bufferCount() == 0) {
                    return false;
                }
                int buf = Math.floorMod(d, ring.bufferCount());
                int len = 1 + Math.floorMod(d >> 2, World.PAGE);
                boolean read = Math.floorMod(d >> 1, 2) == 0;
                w.tolerantLine("ring" + ri + (read ? ".readFixed(" : ".writeFixed(") + p.var() + ", " + f.var() + ", 0L, " + buf + ", 0, " + len + ")");
                if (read) {
                    ring.readFixed(p.p(), f.f(), 0, buf, 0, len);
                } else {
                    ring.writeFixed(p.p(), f.f(), 0, buf, 0, len);
                }
            }
            case URING_UNREGISTER, URING_CLOSE -> {
                if (w.rings.isEmpty()) {
                    return false;
                }
                int ri = Math.floorMod(b, w.rings.size());
                if (op.kind() == Op.Kind.URING_UNREGISTER) {
                    w.tolerantLine("ring" + ri + ".unregisterBuffers()");
                    w.rings.get(ri).unregisterBuffers();
                } else {
                    w.tolerantLine("ring" + ri + ".close()");
                    w.rings.get(ri).close();
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** A file to open: an existing one, or a new one on a filesystem of the picked kind. */
    private Inode inode(int pick) {
        if (!w.inodes.isEmpty() && Math.floorMod(pick, 3) != 0) {
            return w.inodes.get(Math.floorMod(pick, w.inodes.size()));
        }
        FsKind kind = KINDS[Math.floorMod(pick >> 2, KINDS.length)];
        Filesystem fs = null;
        for (Filesystem m : w.kernel.filesystems()) {
            if (m.kind() == kind) {
                fs = m;
            }
        }
        String fsVar = "fs" + kind.name();
        if (fs == null) {
            w.line("Filesystem " + fsVar + " = k.mount(" + World.fsKind(kind) + ");");
            fs = w.kernel.mount(kind);
        }
        String name = "file" + w.inodes.size();
        int size = Math.floorMod(pick >> 4, 3) * World.PAGE + (Math.floorMod(pick, 2) == 0 ? 100 : 0);
        String v = "i" + w.inodes.size();
        w.line("Inode " + v + " = " + fsVar + ".create(\"" + name + "\", fill('I', " + size + "));");
        Inode inode = fs.create(name, World.fill('I', size));
        w.inodes.add(inode);
        w.inodeVars.add(v);
        return inode;
    }

    private int pendingDio(int pick) {
        int n = 0;
        for (DirectIo d : w.dios) {
            if (!d.isDone()) {
                n++;
            }
        }
        if (n == 0) {
            return -1;
        }
        int target = Math.floorMod(pick, n);
        for (int i = 0; i < w.dios.size(); i++) {
            if (!w.dios.get(i).isDone() && target-- == 0) {
                return i;
            }
        }
        return -1;
    }
}
