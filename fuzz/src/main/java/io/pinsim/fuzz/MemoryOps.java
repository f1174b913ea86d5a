package io.pinsim.fuzz;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.MremapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;

/** The memory operations of a fuzz sequence: mappings, CPU accesses, fork and exit, GUP, pipes, reclaim. */
final class MemoryOps {
    private final World w;

    MemoryOps(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        int a = op.a();
        int b = op.b();
        int c = op.c();
        int d = op.d();
        switch (op.kind()) {
            case SPAWN -> {
                if (w.procs.size() >= 12) {
                    return false;
                }
                String v = "p" + w.procs.size();
                w.emit("Process " + v + " = k.spawn(\"P" + w.procs.size() + "\");");
                w.procs.add(new World.Proc(w.kernel.spawn("P" + w.procs.size()), v));
            }
            case MMAP_ANON -> {
                World.Proc p = w.live(a);
                if (p == null || w.ranges.size() >= 48) {
                    return false;
                }
                long len = (long) (1 + Math.floorMod(b, 8)) * World.PAGE;
                // one in eight anonymous mappings is hugetlb (the world's pools have two 2 MiB pages and one 1 GiB page): the
                // length rounds up to the page size; one hugetlb mapping in four asks for 1 GiB pages
                boolean hugetlb = Math.floorMod(b >> 3, 8) == 7;
                boolean gigantic = hugetlb && Math.floorMod(c >> 2, 4) == 3;
                int flags = (Math.floorMod(c, 4) == 0 ? MapFlags.SHARED : MapFlags.PRIVATE) | MapFlags.ANONYMOUS | (Math.floorMod(d, 2) == 0 ? MapFlags.POPULATE : 0)
                        | (hugetlb ? MapFlags.HUGETLB : 0) | (gigantic ? MapFlags.HUGE_1GB : 0);
                int prot = World.PROTS[Math.floorMod(d >> 1, 8) < 6 ? 0 : Math.floorMod(d >> 4, World.PROTS.length)];
                String call = p.var() + ".mmap(" + len + "L, " + w.prot(prot) + ", " + w.mapFlags(flags) + ")";
                String v = w.var("b");
                long addr;
                try {
                    addr = p.p().mmap(len, prot, flags);
                } catch (RuntimeException e) {
                    w.emitTolerant(call);
                    throw e;
                }
                w.emit("long " + v + " = " + call + ";");
                w.ranges.add(new World.Range(addr, gigantic ? 1L << 30 : hugetlb ? 2L << 20 : len, w.procs.indexOf(p)));
            }
            case MMAP_FIXED -> {
                World.Proc p = w.live(a);
                World.Range r = w.range(b);
                if (p == null || r == null) {
                    return false;
                }
                long off = (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE;
                long len = (long) (1 + Math.floorMod(d, 4)) * World.PAGE;
                int flags = (Math.floorMod(d >> 2, 4) == 0 ? MapFlags.SHARED : MapFlags.PRIVATE) | MapFlags.ANONYMOUS | MapFlags.FIXED
                        | (Math.floorMod(d >> 4, 2) == 0 ? MapFlags.POPULATE : 0);
                String call = p.var() + ".mmap(" + w.hex(r.addr() + off) + ", " + len + "L, Prot.READ | Prot.WRITE, " + w.mapFlags(flags) + ")";
                w.emitTolerant(call);
                p.p().mmap(r.addr() + off, len, Prot.READ | Prot.WRITE, flags);
                w.ranges.add(new World.Range(r.addr() + off, len, w.procs.indexOf(p)));
            }
            case MMAP_FILE -> {
                World.Proc p = w.live(a);
                World.File f = w.file(b, p);
                if (p == null || f == null || f.f().isClosed()) {
                    return false;
                }
                // a hugetlbfs file (memfd MFD_HUGETLB) maps whole 2 MiB pages
                boolean huge = f.f().inode().filesystem().kind() == io.pinsim.runtime.FsKind.HUGETLBFS;
                long len = huge ? 2L << 20 : (long) (1 + Math.floorMod(c, 4)) * World.PAGE;
                boolean shared = Math.floorMod(d, 2) == 0;
                int prot = Math.floorMod(d >> 1, 3) == 0 ? Prot.READ : Prot.READ | Prot.WRITE;
                int flags = shared ? MapFlags.SHARED : MapFlags.PRIVATE;
                String call = p.var() + ".mmap(0L, " + len + "L, " + w.prot(prot) + ", " + w.mapFlags(flags) + ", " + f.var() + ", 0L)";
                String v = w.var("b");
                long addr;
                try {
                    addr = p.p().mmap(0, len, prot, flags, f.f(), 0);
                } catch (RuntimeException e) {
                    w.emitTolerant(call);
                    throw e;
                }
                w.emit("long " + v + " = " + call + ";");
                w.ranges.add(new World.Range(addr, len, w.procs.indexOf(p)));
            }
            case MUNMAP -> {
                World.Proc p = w.live(a);
                World.Range r = w.range(b);
                if (p == null || r == null) {
                    return false;
                }
                long off = (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE;
                long len = Math.min(r.length() - off, (long) (1 + Math.floorMod(d, 4)) * World.PAGE);
                w.emitTolerant(p.var() + ".munmap(" + w.hex(r.addr() + off) + ", " + len + "L)");
                p.p().munmap(r.addr() + off, len);
            }
            case MREMAP -> {
                // shrink or grow in place, grow with MREMAP_MAYMOVE, move onto another buffer's address (MREMAP_FIXED), or MREMAP_DONTUNMAP
                World.Proc p = w.live(a);
                World.Range r = w.range(b);
                World.Range to = w.range(c >> 4);
                if (p == null || r == null) {
                    return false;
                }
                long off = (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE;
                long oldLen = Math.min(r.length() - off, (long) (1 + Math.floorMod(d, 4)) * World.PAGE);
                int mode = Math.floorMod(d >> 5, 4);
                long newLen = mode == 3 ? oldLen : (long) (1 + Math.floorMod(d >> 2, 8)) * World.PAGE;
                int flags = mode == 0 ? 0 : mode == 1 ? MremapFlags.MAYMOVE : mode == 2 ? MremapFlags.MAYMOVE | MremapFlags.FIXED
                        : MremapFlags.MAYMOVE | MremapFlags.DONTUNMAP;
                long target = mode >= 2 && to != null ? to.addr() + 512L * World.PAGE * Math.floorMod(d >> 7, 2) : 0;
                String call = p.var() + ".mremap(" + w.hex(r.addr() + off) + ", " + oldLen + "L, " + newLen + "L, " + flags + ", " + w.hex(target) + ")";
                w.emitTolerant(call);
                long addr = p.p().mremap(r.addr() + off, oldLen, newLen, flags, target);
                if (w.ranges.size() < 48) {
                    w.ranges.add(new World.Range(addr, newLen, w.procs.indexOf(p)));
                }
            }
            case MPROTECT -> {
                World.Proc p = w.live(a);
                World.Range r = w.range(b);
                if (p == null || r == null) {
                    return false;
                }
                int prot = World.PROTS[Math.floorMod(d, World.PROTS.length)];
                w.emitTolerant(p.var() + ".mprotect(" + w.hex(r.addr()) + ", " + r.length() + "L, " + w.prot(prot) + ")");
                p.p().mprotect(r.addr(), r.length(), prot);
            }
            case MADVISE -> {
                World.Proc p = w.live(a);
                World.Range r = w.range(b);
                if (p == null || r == null) {
                    return false;
                }
                Advice adv = World.ADVICE[Math.floorMod(d, World.ADVICE.length)];
                long off = (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE;
                w.emitTolerant(p.var() + ".madvise(" + w.hex(r.addr() + off) + ", " + (r.length() - off) + "L, Advice." + adv.name() + ")");
                p.p().madvise(r.addr() + off, r.length() - off, adv);
            }
            case WRITE, READ, FILL -> {
                World.Proc p = w.live(a);
                World.Range r = w.range(b);
                if (p == null || r == null) {
                    return false;
                }
                long off = (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE + Math.floorMod(d, 3) * 100L;
                int len = (int) Math.min(r.length() - off, 1 + Math.floorMod(d, 2) * (World.PAGE + 17L));
                if (len <= 0) {
                    return false;
                }
                long at = r.addr() + off;
                if (op.kind() == Op.Kind.WRITE) {
                    w.emitTolerant(p.var() + ".write(" + w.hex(at) + ", fill('" + w.letter(d) + "', " + len + "))");
                    p.p().write(at, w.fill(w.letter(d), len));
                } else if (op.kind() == Op.Kind.READ) {
                    w.emitTolerant(p.var() + ".read(" + w.hex(at) + ", " + len + ")");
                    p.p().read(at, len);
                } else {
                    w.emitTolerant(p.var() + ".fill(" + w.hex(at) + ", " + len + "L, (byte) '" + w.letter(d) + "')");
                    p.p().fill(at, len, (byte) w.letter(d));
                }
            }
            case FORK -> {
                World.Proc p = w.live(a);
                if (p == null || w.procs.size() >= 12) {
                    return false;
                }
                String v = "p" + w.procs.size();
                String call = p.var() + ".fork()";
                Process child;
                try {
                    child = p.p().fork();
                } catch (RuntimeException e) {
                    w.emitTolerant(call);
                    throw e;
                }
                w.emit("Process " + v + " = " + call + ";");
                w.procs.add(new World.Proc(child, v));
            }
            case EXIT -> {
                World.Proc p = w.live(a);
                if (p == null || w.liveCount() <= 1) {
                    return false;
                }
                w.emitTolerant(p.var() + ".exit()");
                p.p().exit();
            }
            case SPAWN_THREAD -> {
                World.Proc p = w.live(a);
                if (p == null || p.p().threads().size() >= 3) {
                    return false;
                }
                String name = "T" + w.threads++;
                w.emit(p.var() + ".spawnThread(\"" + name + "\");");
                p.p().spawnThread(name);
            }
            case GUP -> {
                World.Proc p = w.live(a);
                World.Range r = w.range(b);
                if (p == null || r == null || w.pins.size() >= 24) {
                    return false;
                }
                int pages = (int) (r.length() / World.PAGE);
                int first = Math.floorMod(c, pages);
                int n = 1 + Math.floorMod(c >> 3, pages - first);
                int flags = (Math.floorMod(d, 3) != 0 ? Foll.WRITE : 0) | (Math.floorMod(d >> 2, 2) == 0 ? Foll.LONGTERM : 0) | (Math.floorMod(d >> 3, 5) == 0 ? Foll.FORCE : 0);
                int how = Math.floorMod(d >> 6, 4);
                String fn = switch (how) {
                    case 0 -> "getUserPages";
                    case 1 -> "pinUserPages";
                    case 2 -> "getUserPagesFast";
                    default -> "pinUserPagesFast";
                };
                long at = r.addr() + (long) first * World.PAGE;
                String call = p.var() + "." + fn + "(" + w.hex(at) + ", " + n + ", " + w.foll(flags) + ", \"dev\")";
                GupPages g;
                try {
                    g = switch (how) {
                        case 0 -> p.p().getUserPages(at, n, flags, "dev");
                        case 1 -> p.p().pinUserPages(at, n, flags, "dev");
                        case 2 -> p.p().getUserPagesFast(at, n, flags, "dev");
                        default -> p.p().pinUserPagesFast(at, n, flags, "dev");
                    };
                } catch (RuntimeException e) {
                    w.emitTolerant(call);
                    throw e;
                }
                String v = w.var("g");
                w.emit("GupPages " + v + " = " + call + ";");
                w.pins.add(new World.Pin(g, v));
            }
            case UNPIN -> {
                World.Pin g = w.pin(b);
                if (g == null) {
                    return false;
                }
                w.release(g, Math.floorMod(d, 2) == 0);
            }
            case DMA_WRITE, DMA_READ -> {
                World.Pin g = w.pin(b);
                if (g == null || g.g().count() == 0) {
                    return false;
                }
                int i = Math.floorMod(c, g.g().count());
                long off = (long) i * World.PAGE + Math.floorMod(d, 50);
                if (op.kind() == Op.Kind.DMA_WRITE) {
                    if ((g.g().flags() & Foll.WRITE) == 0 || g.g().frame(i).isZeroPage()) {
                        return false;
                    }
                    w.emitTolerant(g.var() + ".write(" + off + "L, fill('D', 64))");
                    g.g().write(off, w.fill('D', 64));
                } else {
                    w.emitTolerant(g.var() + ".read(" + off + "L, 64)");
                    g.g().read(off, 64);
                }
            }
            case VMSPLICE -> {
                World.Proc p = w.live(a);
                World.Range r = w.range(b);
                if (p == null || r == null) {
                    return false;
                }
                if (w.pipes.isEmpty() || Math.floorMod(c, 4) == 0) {
                    String v = "pipe" + w.pipes.size();
                    w.emit("Pipe " + v + " = " + p.var() + ".pipe();");
                    w.pipes.add(p.p().pipe());
                }
                int pi = Math.floorMod(c, w.pipes.size());
                int len = (int) Math.min(r.length(), (long) (1 + Math.floorMod(d, 3)) * World.PAGE);
                w.emitTolerant(p.var() + ".vmsplice(pipe" + pi + ", " + w.hex(r.addr()) + ", " + len + ")");
                p.p().vmsplice(w.pipes.get(pi), r.addr(), len);
            }
            case PIPE_READ -> {
                World.Proc p = w.live(a);
                if (p == null || w.pipes.isEmpty()) {
                    return false;
                }
                int pi = Math.floorMod(b, w.pipes.size());
                int len = 1 + Math.floorMod(d, 2 * World.PAGE);
                w.emitTolerant("pipe" + pi + ".read(" + p.var() + ", " + len + ")");
                w.pipes.get(pi).read(p.p(), len);
            }
            case RECLAIM, MIGRATE -> {
                World.Proc p = w.live(a);
                World.Range r = w.range(b);
                if (p == null || r == null) {
                    return false;
                }
                long at = r.addr() + (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE;
                if (op.kind() == Op.Kind.RECLAIM) {
                    w.emitTolerant("k.reclaim(" + p.var() + ", " + w.hex(at) + ")");
                    w.kernel.reclaim(p.p(), at);
                } else {
                    w.emitTolerant("k.migrateVma(" + p.var() + ", " + w.hex(at) + ", 1, \"mirror\")");
                    w.kernel.migrateVma(p.p(), at, 1, "mirror");
                }
            }
            case OOM_KILL -> {
                World.Proc p = w.live(a);
                if (p == null || w.liveCount() <= 1) {
                    return false;
                }
                w.emitTolerant("k.oomKill(" + p.var() + ")");
                w.kernel.oomKill(p.p());
            }
            case CLEAR_REFS -> {
                World.Proc p = w.live(a);
                if (p == null) {
                    return false;
                }
                w.emitTolerant(p.var() + ".clearSoftDirty()");
                p.p().clearSoftDirty();
            }
            case RLIMIT -> {
                World.Proc p = w.live(a);
                if (p == null) {
                    return false;
                }
                if (Math.floorMod(d, 2) == 0) {
                    long bytes = (long) Math.floorMod(c, 64) * World.PAGE;
                    w.emit(p.var() + ".setRlimitMemlock(" + bytes + "L);");
                    p.p().setRlimitMemlock(bytes);
                } else {
                    boolean cap = Math.floorMod(c, 2) == 0;
                    w.emit(p.var() + ".setCapIpcLock(" + cap + ");");
                    p.p().setCapIpcLock(cap);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
