package io.pinsim.fuzz;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.ForkSteps;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Steppable;

/** The stepped (interleaved) operations and the device operations of a fuzz sequence. */
final class DeviceOps {
    private static final long IOVA_BASE = 0x100000000L;
    private final World w;

    DeviceOps(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        int a = op.a();
        int b = op.b();
        int c = op.c();
        int d = op.d();
        switch (op.kind()) {
            case FORK_STEPS -> {
                World.Proc p = w.liveProc(a);
                if (p == null || w.procs.size() >= 12) {
                    return false;
                }
                String v = w.newVar("fork");
                w.line("ForkSteps " + v + " = " + p.var() + ".mainThread().forkSteps(\"P" + w.procs.size() + "\");");
                ForkSteps s = p.p().mainThread().forkSteps("P" + w.procs.size());
                w.steps.add(new World.Step(s, v, w.procs.indexOf(p)));
            }
            case GUP_FAST_STEPS -> {
                World.Proc p = w.procs.get(Math.floorMod(a, w.procs.size()));
                World.Range r = w.rangeAt(b);
                if (!p.p().isAlive() || r == null || w.pins.size() >= 24) {
                    return false;
                }
                int pages = (int) Math.min(4, r.length() / World.PAGE);
                int flags = Math.floorMod(d, 2) == 0 ? Foll.WRITE | Foll.LONGTERM : 0;
                boolean pin = Math.floorMod(c, 2) == 0;
                String v = w.newVar("gf");
                String call = p.var() + ".mainThread()." + (pin ? "pinUserPagesFastSteps(" : "getUserPagesFastSteps(") + "0x" + Long.toHexString(r.addr()) + "L, " + pages + ", "
                        + World.foll(flags) + ", \"dev\")";
                GupFast g;
                try {
                    g = pin ? p.p().mainThread().pinUserPagesFastSteps(r.addr(), pages, flags, "dev") : p.p().mainThread().getUserPagesFastSteps(r.addr(), pages, flags, "dev");
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                w.line("GupFast " + v + " = " + call + ";");
                w.steps.add(new World.Step(g, v, w.procs.indexOf(p)));
            }
            case STEP -> {
                World.Step s = runnable(b);
                if (s == null) {
                    return false;
                }
                // a random number of steps (1 to 4), fewer if the operation ends or waits
                int n = 1 + Math.floorMod(c, 4);
                for (int i = 0; i < n && !s.s().isDone() && !s.s().isBlocked(); i++) {
                    w.tolerantLine(s.var() + ".step()");
                    try {
                        s.s().step();
                    } finally {
                        collect(s);
                    }
                }
            }
            case NIC_REG_MR -> {
                World.Proc p = w.liveProc(a);
                World.Range r = w.rangeAt(b);
                if (p == null || r == null || w.mrs.size() >= 12) {
                    return false;
                }
                int access = switch (Math.floorMod(d, 4)) {
                    case 0 -> IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE;
                    case 1 -> IbAccess.REMOTE_READ;
                    case 2 -> IbAccess.ON_DEMAND | IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE;
                    default -> IbAccess.LOCAL_WRITE;
                };
                long len = Math.min(r.length(), (long) (1 + Math.floorMod(c, 4)) * World.PAGE);
                var pd = w.pd(p);
                String call = "nic.regMr(pd" + w.procs.indexOf(p) + ", 0x" + Long.toHexString(r.addr()) + "L, " + len + "L, " + access + ")";
                MemoryRegion mr;
                try {
                    mr = w.nic().regMr(pd, r.addr(), len, access);
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                String v = w.newVar("mr");
                w.line("MemoryRegion " + v + " = " + call + ";");
                w.mrs.add(new World.Mr(mr, v));
            }
            case NIC_POST -> {
                World.Mr m = mr(b);
                if (m == null || !m.mr().process().isAlive() || w.forking(m.mr().process())) {
                    return false;
                }
                long off = Math.floorMod(c, (int) m.mr().length());
                int len = (int) Math.min(m.mr().length() - off, 1 + Math.floorMod(d, 300));
                w.tolerantLine("nic.postWrite(" + m.var() + ", " + off + "L, fill('R', " + len + "))");
                w.nic().postWrite(m.mr(), off, World.fill('R', len));
                w.tolerantLine("nic.processAll()");
                w.nic().processAll();
            }
            case NIC_DEREG -> {
                World.Mr m = mr(b);
                if (m == null || !m.mr().process().isAlive() || w.forking(m.mr().process()) || w.faulting(m.mr())) {
                    return false;
                }
                w.tolerantLine("nic.deregMr(" + m.var() + ")");
                w.nic().deregMr(m.mr());
            }
            case NIC_FORK_INIT -> {
                World.Proc p = w.liveProc(a);
                if (p == null) {
                    return false;
                }
                w.tolerantLine("nic.ibvForkInit(" + p.var() + ")");
                w.nic().ibvForkInit(p.p());
            }
            case NIC_ADVISE -> {
                World.Mr m = mr(b);
                if (m == null || !m.mr().isOnDemand() || !m.mr().process().isAlive() || w.forking(m.mr().process())) {
                    return false;
                }
                boolean write = Math.floorMod(d, 2) == 0;
                w.tolerantLine("nic.advise(" + m.var() + ", 0L, " + World.PAGE + ", " + write + ")");
                w.nic().advise(m.mr(), 0, World.PAGE, write);
            }
            case VFIO_MAP -> {
                World.Proc p = w.liveProc(a);
                World.Range r = w.rangeAt(b);
                if (p == null || r == null || w.vfioMaps.size() >= 8) {
                    return false;
                }
                long iova = IOVA_BASE + (long) Math.floorMod(c, 16) * (1L << 20);
                long size = Math.min(r.length(), (long) (1 + Math.floorMod(d, 3)) * World.PAGE);
                boolean write = Math.floorMod(d >> 2, 3) != 0;
                w.tolerantLine("vfio.mapDma(" + p.var() + ", 0x" + Long.toHexString(r.addr()) + "L, 0x" + Long.toHexString(iova) + "L, " + size + "L, " + write + ")");
                w.vfio().mapDma(p.p(), r.addr(), iova, size, write);
                w.vfioMaps.add(iova);
            }
            case VFIO_UNMAP -> {
                if (!w.hasVfio() || w.vfio().mappings().isEmpty()) {
                    return false;
                }
                long iova = w.vfio().mappings().keySet().stream().sorted().skip(Math.floorMod(b, w.vfio().mappings().size())).findFirst().orElseThrow();
                long size = w.vfio().mappings().get(iova).size();
                w.tolerantLine("vfio.unmapDma(0x" + Long.toHexString(iova) + "L, " + size + "L)");
                w.vfio().unmapDma(iova, size);
            }
            case VFIO_DMA -> {
                if (!w.hasVfio()) {
                    return false;
                }
                long iova = IOVA_BASE + (long) Math.floorMod(c, 16) * (1L << 20) + Math.floorMod(d, 2) * World.PAGE;
                w.tolerantLine("vfio.dmaWrite(0x" + Long.toHexString(iova) + "L, fill('V', 32))");
                w.vfio().dmaWrite(iova, World.fill('V', 32));
            }
            case FENCE_NEW -> {
                if (w.fences.size() >= 16) {
                    return false;
                }
                var ctx = w.timeline();
                w.line("DmaFence fence" + w.fences.size() + " = ring.createFence();");
                w.fences.add(ctx.createFence());
            }
            case FENCE_SIGNAL, FENCE_WAIT -> {
                if (w.fences.isEmpty()) {
                    return false;
                }
                int i = Math.floorMod(b, w.fences.size());
                if (op.kind() == Op.Kind.FENCE_SIGNAL) {
                    w.tolerantLine("fence" + i + ".signal()");
                    w.fences.get(i).signal();
                } else {
                    // bounded: an unbounded wait on a fence nothing signals is the model's indefinite fence
                    w.tolerantLine("fence" + i + ".waitTimeout(10L)");
                    w.fences.get(i).waitTimeout(10);
                }
            }
            case SIGNALLING_ALLOC, DRIVER_LOCK_ALLOC -> {
                var g = w.gpu();
                io.pinsim.runtime.spi.Gfp gfp = io.pinsim.runtime.spi.Gfp.values()[Math.floorMod(d, io.pinsim.runtime.spi.Gfp.values().length)];
                if (op.kind() == Op.Kind.SIGNALLING_ALLOC) {
                    w.line("boolean cookie = gpu.dmaFenceBeginSignalling();");
                    boolean cookie = g.dmaFenceBeginSignalling();
                    try {
                        w.tolerantLine("gpu.allocate(Gfp." + gfp + ", \"job\")");
                        g.allocate(gfp, "job");
                    } finally {
                        w.line("gpu.dmaFenceEndSignalling(cookie);");
                        g.dmaFenceEndSignalling(cookie);
                    }
                } else {
                    w.line("gpu.lock(\"notifier_lock\");");
                    g.lock("notifier_lock");
                    try {
                        w.tolerantLine("gpu.allocate(Gfp." + gfp + ", \"pt\")");
                        g.allocate(gfp, "pt");
                    } finally {
                        w.line("gpu.unlock(\"notifier_lock\");");
                        g.unlock("notifier_lock");
                    }
                }
            }
            case RESV_FENCE -> {
                if (w.fences.isEmpty()) {
                    return false;
                }
                var r = w.resv();
                int i = Math.floorMod(b, w.fences.size());
                var usage = io.pinsim.runtime.spi.DmaResvUsage.values()[Math.floorMod(d, io.pinsim.runtime.spi.DmaResvUsage.values().length)];
                w.line("bo.lock();");
                r.lock();
                try {
                    w.tolerantLine("bo.addFence(fence" + i + ", DmaResvUsage." + usage + ")");
                    r.addFence(w.fences.get(i), usage);
                } finally {
                    w.line("bo.unlock();");
                    r.unlock();
                }
                w.tolerantLine("bo.waitTimeout(DmaResvUsage." + usage + ", 10L)");
                r.waitTimeout(usage, 10);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private World.Step runnable(int pick) {
        java.util.List<World.Step> ready = new java.util.ArrayList<>();
        for (World.Step s : w.steps) {
            if (!s.s().isDone() && w.canStep(s) && !s.s().isBlocked()) {
                ready.add(s);
            }
        }
        return ready.isEmpty() ? null : ready.get(Math.floorMod(pick, ready.size()));
    }

    /** A finished fork adds its child; a finished GUP-fast its pages. */
    void collect(World.Step s) {
        Steppable st = s.s();
        if (!st.isDone()) {
            return;
        }
        if (st instanceof ForkSteps f) {
            String v = "p" + w.procs.size();
            try {
                Process child = f.child();
                w.line("Process " + v + " = " + s.var() + ".child();");
                w.procs.add(new World.Proc(child, v));
            } catch (IllegalStateException failedFork) {
                // the fork failed (ENOMEM) and has no child: nothing to collect
            }
        } else if (st instanceof io.pinsim.runtime.GupSteps g) {
            GupPages got;
            try {
                got = g.result();
            } catch (IllegalStateException failedGup) {
                return; // a step failed with an errno: nothing is pinned
            }
            String v = w.newVar("g");
            w.line("GupPages " + v + " = " + s.var() + ".result();");
            w.pins.add(new World.Pin(got, v));
        } else if (st instanceof io.pinsim.devices.MrRegistrationSteps m) {
            if (m.failure().isPresent()) {
                return; // ENOMEM, EFAULT, ...: nothing stays pinned or charged
            }
            String v = w.newVar("mr");
            w.line("MemoryRegion " + v + " = " + s.var() + ".result();");
            w.mrs.add(new World.Mr(m.result(), v));
        } else if (st instanceof GupFast g) {
            GupPages got;
            try {
                got = g.result();
            } catch (IllegalStateException failedGup) {
                return; // a step failed with an errno: nothing is pinned, nothing to collect
            }
            String v = w.newVar("g");
            w.line("GupPages " + v + " = " + s.var() + ".result();");
            w.pins.add(new World.Pin(got, v));
        }
    }

    private World.Mr mr(int pick) {
        java.util.List<World.Mr> live = new java.util.ArrayList<>();
        for (World.Mr m : w.mrs) {
            if (!m.mr().isDeregistered()) {
                live.add(m);
            }
        }
        return live.isEmpty() ? null : live.get(Math.floorMod(pick, live.size()));
    }
}
