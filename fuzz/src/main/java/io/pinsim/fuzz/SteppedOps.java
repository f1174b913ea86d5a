package io.pinsim.fuzz;

import io.pinsim.devices.IbAccess;
import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.Task;

/**
 * The stepped operations other than fork and GUP-fast ({@link DeviceOps}): each starts an operation
 * as steps ({@code Task.pinUserPagesSteps}, {@code writeSteps}, {@code munmapSteps},
 * {@code madviseSteps}, {@code OpenFile.writebackSteps}, {@code truncateSteps},
 * {@code punchHoleSteps}, {@code preadDirectSteps}, {@code Kernel.reclaimSteps},
 * {@code RdmaNic.regMrSteps}, {@code adviseSteps}) and leaves it in {@link World#steps}: the
 * {@link Op.Kind#STEP} operation advances a random one by a random number of steps, interleaved with
 * every other operation, and the teardown runs what is left to the end. While one holds a lock
 * (mmap_lock, i_rwsem, a page lock, the invalidate lock) a plain call that needs it throws
 * {@link io.pinsim.runtime.WouldBlockException} before it changes anything: a documented outcome.
 */
final class SteppedOps {
    private final World w;

    SteppedOps(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        if (w.steps.size() >= 16) {
            return false;
        }
        int a = op.a();
        int b = op.b();
        int c = op.c();
        int d = op.d();
        switch (op.kind()) {
            case GUP_SLOW_STEPS -> {
                World.Proc p = w.alive(a);
                World.Range r = w.rangeAt(b);
                if (p == null || r == null || w.pins.size() >= 24) {
                    return false;
                }
                int pages = (int) (r.length() / World.PAGE);
                int first = Math.floorMod(c, pages);
                int n = 1 + Math.floorMod(c >> 3, Math.min(4, pages - first));
                int flags = (Math.floorMod(d, 3) != 0 ? Foll.WRITE : 0) | (Math.floorMod(d >> 2, 2) == 0 ? Foll.LONGTERM : 0) | (Math.floorMod(d >> 3, 5) == 0 ? Foll.FORCE : 0);
                boolean pin = Math.floorMod(d >> 6, 2) == 0;
                long at = r.addr() + (long) first * World.PAGE;
                Task t = thread(p, c);
                String call = threadVar(p, t) + (pin ? ".pinUserPagesSteps(" : ".getUserPagesSteps(") + World.hex(at) + ", " + n + ", " + World.foll(flags) + ", \"dev\")";
                start(p, "GupSteps", "gs", call, () -> pin ? t.pinUserPagesSteps(at, n, flags, "dev") : t.getUserPagesSteps(at, n, flags, "dev"));
            }
            case WRITE_FAULT_STEPS -> {
                World.Proc p = w.alive(a);
                World.Range r = w.rangeAt(b);
                if (p == null || r == null) {
                    return false;
                }
                long at = r.addr() + (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE + Math.floorMod(d, 64);
                char v = World.letter(d);
                Task t = thread(p, c);
                start(p, "WriteFaultSteps", "wf", threadVar(p, t) + ".writeSteps(" + World.hex(at) + ", (byte) '" + v + "')", () -> t.writeSteps(at, (byte) v));
            }
            case MUNMAP_STEPS, MADVISE_STEPS -> {
                World.Proc p = w.alive(a);
                World.Range r = w.rangeAt(b);
                if (p == null || r == null) {
                    return false;
                }
                long off = (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE;
                long len = Math.min(r.length() - off, (long) (1 + Math.floorMod(d, 4)) * World.PAGE);
                long at = r.addr() + off;
                Task t = thread(p, c);
                if (op.kind() == Op.Kind.MUNMAP_STEPS) {
                    start(p, "Steppable", "un", threadVar(p, t) + ".munmapSteps(" + World.hex(at) + ", " + len + "L)", () -> t.munmapSteps(at, len));
                } else {
                    start(p, "Steppable", "dn", threadVar(p, t) + ".madviseSteps(" + World.hex(at) + ", " + len + "L, Advice.DONTNEED)",
                            () -> t.madviseSteps(at, len, Advice.DONTNEED));
                }
            }
            case RECLAIM_STEPS -> {
                World.Proc p = w.alive(a);
                World.Range r = w.rangeAt(b);
                if (p == null || r == null) {
                    return false;
                }
                long at = r.addr() + (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE;
                start(p, "ReclaimSteps", "rc", "k.reclaimSteps(" + p.var() + ", " + World.hex(at) + ")", () -> w.kernel.reclaimSteps(p.p(), at));
            }
            case WRITEBACK_STEPS -> {
                World.Proc p = w.alive(a);
                World.File f = w.file(b, p);
                if (f == null) {
                    return false;
                }
                start(p, "WritebackSteps", "wb", f.var() + ".writebackSteps()", () -> f.f().writebackSteps());
            }
            case TRUNCATE_STEPS, PUNCH_HOLE_STEPS -> {
                World.Proc p = w.alive(a);
                World.File f = w.file(b, p);
                // fs-DAX's truncate and punch wait for held blocks: not steppable, the documented alternative is startTruncate()/startPunchHole()
                if (f == null || f.f().inode().filesystem().kind() == FsKind.DAX) {
                    return false;
                }
                Task t = thread(p, c);
                long x = (long) Math.floorMod(c, 5) * World.PAGE + (Math.floorMod(d, 4) == 0 ? 50 : 0);
                if (op.kind() == Op.Kind.TRUNCATE_STEPS) {
                    long size = f.f().inode().filesystem().kind() == FsKind.HUGETLBFS ? (long) Math.floorMod(c, 3) << 21 : x;
                    start(p, "TruncateSteps", "tr", f.var() + ".truncateSteps(" + threadVar(p, t) + ", " + size + "L)", () -> f.f().truncateSteps(t, size));
                } else {
                    if (f.f().inode().filesystem().kind() == FsKind.HUGETLBFS) {
                        return false; // hugetlbfs_punch_hole() is not modelled: punchHole refuses it with IllegalStateException
                    }
                    long len = (long) (1 + Math.floorMod(d, 3)) * World.PAGE + (Math.floorMod(d, 5) == 0 ? 54 : 0);
                    start(p, "PunchHoleSteps", "ph", f.var() + ".punchHoleSteps(" + threadVar(p, t) + ", " + x + "L, " + len + "L)", () -> f.f().punchHoleSteps(t, x, len));
                }
            }
            case DIO_READ_STEPS -> {
                World.Proc p = w.alive(a);
                World.File f = w.file(b, p);
                World.Range r = w.rangeAt(c);
                if (f == null || r == null || !f.direct()) {
                    return false;
                }
                int len = (int) Math.min(r.length(), (long) (1 + Math.floorMod(d, 2)) * World.PAGE);
                long off = (long) Math.floorMod(d >> 1, 4) * World.PAGE;
                Task t = thread(p, c);
                start(p, "DirectReadSteps", "dr", f.var() + ".preadDirectSteps(" + threadVar(p, t) + ", " + World.hex(r.addr()) + ", " + len + ", " + off + "L)",
                        () -> f.f().preadDirectSteps(t, r.addr(), len, off));
            }
            case REG_MR_STEPS -> {
                World.Proc p = w.alive(a);
                World.Range r = w.rangeAt(b);
                if (p == null || r == null || w.mrs.size() >= 12) {
                    return false;
                }
                int access = Math.floorMod(d, 2) == 0 ? IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE : IbAccess.REMOTE_READ;
                long len = Math.min(r.length(), (long) (1 + Math.floorMod(c, 4)) * World.PAGE);
                var pd = w.pd(p);
                start(p, "MrRegistrationSteps", "rm", "nic.regMrSteps(pd" + w.procs.indexOf(p) + ", " + World.hex(r.addr()) + ", " + len + "L, " + access + ")",
                        () -> w.nic().regMrSteps(pd, r.addr(), len, access));
            }
            case ODP_ADVISE_STEPS -> {
                World.Mr m = w.liveMr(b);
                if (m == null || !m.mr().isOnDemand() || !m.mr().process().isAlive() || w.faulting(m.mr())) {
                    return false;
                }
                World.Proc p = w.procOf(m.mr().process());
                boolean write = Math.floorMod(d, 2) == 0 && m.mr().isWritable();
                long off = (long) Math.floorMod(c, (int) Math.max(1, m.mr().length() / World.PAGE)) * World.PAGE;
                int len = (int) Math.min(m.mr().length() - off, World.PAGE);
                start(p, "OdpFaultSteps", "of", "nic.adviseSteps(" + m.var() + ", " + off + "L, " + len + ", " + write + ")",
                        () -> w.nic().adviseSteps(m.mr(), off, len, write));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Starts a stepped operation of {@code p}'s and records it; its steps run in later {@link Op.Kind#STEP} operations. */
    private void start(World.Proc p, String type, String prefix, String call, java.util.function.Supplier<Steppable> body) {
        Steppable s;
        try {
            s = body.get();
        } catch (RuntimeException e) {
            w.tolerantLine(call);
            throw e;
        }
        String v = w.newVar(prefix);
        w.line(type + " " + v + " = " + call + ";");
        // reclaim and the flusher's writeback are the kernel's: they go on whether the process lives or not
        boolean kernel = type.equals("ReclaimSteps") || type.equals("WritebackSteps");
        w.steps.add(new World.Step(s, v, kernel ? -1 : w.procs.indexOf(p)));
    }

    /** One of the process's threads (a stepped operation of one thread can wait for another's). */
    private static Task thread(World.Proc p, int pick) {
        java.util.List<Task> ts = p.p().threads();
        return ts.get(Math.floorMod(pick >> 5, ts.size()));
    }

    private static String threadVar(World.Proc p, Task t) {
        int i = p.p().threads().indexOf(t);
        return i == 0 ? p.var() + ".mainThread()" : p.var() + ".threads().get(" + i + ")";
    }
}
