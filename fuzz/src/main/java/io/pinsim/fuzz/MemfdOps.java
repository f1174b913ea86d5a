package io.pinsim.fuzz;

import io.pinsim.runtime.FallocFlags;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.MemfdFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.SealFlags;

/**
 * memfd_create() - a tmpfs file or, with MFD_HUGETLB, a hugetlbfs file of 2 MiB pages from the
 * world's pool - and its ftruncate(). The new file joins {@link World#files}, so the file operations
 * ({@link Op.Kind#MMAP_FILE} shared or private, pwrite/pread, writeback, truncate, punch, close and
 * their stepped forms) reach it as they reach a file opened on a mount.
 */
final class MemfdOps {
    private final World w;

    MemfdOps(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        switch (op.kind()) {
            case MEMFD_CREATE -> {
                World.Proc p = w.liveProc(op.a());
                if (p == null || w.files.size() >= 16) {
                    return false;
                }
                boolean huge = Math.floorMod(op.d(), 3) == 0;
                int flags = (huge ? MemfdFlags.HUGETLB : 0) | (Math.floorMod(op.d() >> 2, 2) == 0 ? MemfdFlags.CLOEXEC : 0)
                        | (Math.floorMod(op.d() >> 4, 2) == 0 ? MemfdFlags.ALLOW_SEALING : 0) | (huge && Math.floorMod(op.d() >> 5, 4) == 0 ? MemfdFlags.HUGE_1GB : 0);
                String call = p.var() + ".memfdCreate(\"m" + w.files.size() + "\", " + flags + ")";
                OpenFile f;
                try {
                    f = p.p().memfdCreate("m" + w.files.size(), flags);
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                String v = w.newVar("f");
                w.line("OpenFile " + v + " = " + call + ";");
                w.files.add(new World.File(f, v, false));
                if (Math.floorMod(op.d() >> 3, 4) != 0) {
                    // sized at once most of the time, as memfd users do before mmap()
                    ftruncate(w.files.get(w.files.size() - 1), op.c());
                }
            }
            case MEMFD_FTRUNCATE -> {
                World.File f = w.file(op.b(), w.liveProc(op.a()));
                // memfd files only: a plain ftruncate() of an ext4 file with direct I/O in flight would sleep in
                // inode_dio_wait(), which the API refuses as misuse (use startTruncate(), the TRUNCATE operation)
                if (f == null || !f.f().inode().name().startsWith("memfd:")) {
                    return false;
                }
                ftruncate(f, op.c());
            }
            case MEMFD_FALLOCATE -> {
                // fallocate(fd, 0 or FALLOC_FL_KEEP_SIZE, offset, len) on any open file: tmpfs, hugetlbfs (pool folios), ext4
                World.File f = w.file(op.b(), w.liveProc(op.a()));
                if (f == null || f.direct()) {
                    return false;
                }
                int mode = Math.floorMod(op.d(), 2) == 0 ? 0 : FallocFlags.KEEP_SIZE;
                long off = (long) Math.floorMod(op.c(), 4) * World.PAGE;
                long len = f.f().inode().filesystem().kind() == FsKind.HUGETLBFS ? 2L << 20 : (1 + Math.floorMod(op.c() >> 2, 4)) * (long) World.PAGE;
                w.tolerantLine(f.var() + ".fallocate(" + mode + ", " + off + "L, " + len + "L)");
                f.f().fallocate(mode, off, len);
            }
            case MEMFD_SEAL -> {
                // fcntl(F_ADD_SEALS) with one or two seals (F_SEAL_WRITE is EBUSY with a writable shared mapping or a pinned page)
                World.File f = w.file(op.b(), w.liveProc(op.a()));
                if (f == null) {
                    return false;
                }
                int[] seals = {SealFlags.SEAL, SealFlags.SHRINK, SealFlags.GROW, SealFlags.WRITE, SealFlags.FUTURE_WRITE, SealFlags.EXEC};
                int s = seals[Math.floorMod(op.c(), seals.length)] | (Math.floorMod(op.d(), 3) == 0 ? seals[Math.floorMod(op.d() >> 2, seals.length)] : 0);
                w.tolerantLine(f.var() + ".addSeals(" + s + ")");
                f.f().addSeals(s);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** ftruncate() to a size the file's filesystem takes: pages or odd bytes on tmpfs, 0, 2 or 4 MiB (or an odd size: EINVAL; on a 1 GiB memfd anything but 0 is EINVAL) on hugetlbfs. */
    private void ftruncate(World.File f, int pick) {
        boolean huge = f.f().inode().filesystem().kind() == FsKind.HUGETLBFS;
        long size = huge ? (Math.floorMod(pick, 7) == 6 ? World.PAGE : (long) Math.floorMod(pick, 3) << 21)
                : (long) Math.floorMod(pick, 6) * World.PAGE + (Math.floorMod(pick >> 3, 4) == 0 ? 77 : 0);
        w.tolerantLine(f.var() + ".ftruncate(" + size + "L)");
        f.f().ftruncate(size);
    }
}
