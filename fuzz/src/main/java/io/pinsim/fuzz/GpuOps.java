package io.pinsim.fuzz;

import io.pinsim.devices.Gpu;
import io.pinsim.devices.GpuBo;
import io.pinsim.devices.GpuJob;
import io.pinsim.devices.UserptrMode;
import java.util.ArrayList;
import java.util.List;

/**
 * The GPU operations of a fuzz sequence: two {@link Gpu}s ({@code gpu1}, {@code gpu2}), userptr
 * BOs in each {@link UserptrMode} and VRAM BOs, command submissions that may wait for a job of the
 * other GPU, completions, and jobs that hang and are reset. A job hangs only while no job waits for
 * it, and no job is submitted after a hung or reset one: a dependency on a fence that signals with
 * an error is a scheduler policy the model does not choose.
 */
final class GpuOps {
    private final World w;

    GpuOps(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        int a = op.a();
        int b = op.b();
        int c = op.c();
        int d = op.d();
        switch (op.kind()) {
            case GPU_USERPTR -> {
                World.Proc p = w.liveProc(a);
                World.Range r = w.rangeAt(b);
                if (p == null || r == null || w.gpuBos.size() >= 12) {
                    return false;
                }
                int g = Math.floorMod(c, 2);
                UserptrMode mode = UserptrMode.values()[Math.floorMod(d, UserptrMode.values().length)];
                long len = Math.min(r.length(), (long) (1 + Math.floorMod(d >> 2, 2)) * World.PAGE);
                String call = "gpu" + (g + 1) + ".createUserptr(" + p.var() + ", 0x" + Long.toHexString(r.addr()) + "L, " + len + "L, UserptrMode." + mode + ")";
                GpuBo bo;
                try {
                    bo = w.gpu(g).createUserptr(p.p(), r.addr(), len, mode);
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                String v = w.newVar("bo");
                w.line("GpuBo " + v + " = " + call + ";");
                w.gpuBos.add(new World.Bo(bo, v));
            }
            case GPU_VRAM_BO -> {
                if (w.gpuBos.size() >= 12) {
                    return false;
                }
                int g = Math.floorMod(c, 2);
                String v = w.newVar("bo");
                w.line("GpuBo " + v + " = gpu" + (g + 1) + ".createBo(" + World.PAGE + "L);");
                w.gpuBos.add(new World.Bo(w.gpu(g).createBo(World.PAGE), v));
            }
            case GPU_SUBMIT -> {
                World.Bo bo = bo(b);
                if (bo == null || w.gpuJobs.size() >= 24) {
                    return false;
                }
                if (bo.bo().process() != null && (!bo.bo().process().isAlive() || w.forking(bo.bo().process()))) {
                    return false;
                }
                List<World.Job> after = new ArrayList<>();
                if (Math.floorMod(d, 3) == 0 && !w.gpuJobs.isEmpty()) {
                    World.Job dep = w.gpuJobs.get(Math.floorMod(c, w.gpuJobs.size()));
                    if (dep.job().isHung() || dep.job().fence().error() != 0) {
                        return false;
                    }
                    after.add(dep);
                }
                int len = 1 + Math.floorMod(c, 64);
                long off = Math.floorMod(c * 31L, bo.bo().length() - len + 1);
                String deps = after.isEmpty() ? "" : ", " + after.get(0).var();
                String call = bo.var() + ".gpu().submit(" + bo.var() + ", " + off + "L, fill('" + World.letter(d) + "', " + len + ")" + deps + ")";
                GpuJob job;
                try {
                    job = bo.bo().gpu().submit(bo.bo(), off, World.fill(World.letter(d), len), after.stream().map(World.Job::job).toArray(GpuJob[]::new));
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                String v = w.newVar("job");
                w.line("GpuJob " + v + " = " + call + ";");
                w.gpuJobs.add(new World.Job(job, v));
            }
            case GPU_COMPLETE -> {
                World.Job j = runnable(b);
                if (j == null) {
                    return false;
                }
                w.line(j.var() + ".complete();");
                j.job().complete();
            }
            case GPU_HANG -> {
                World.Job j = pending(b);
                if (j == null || hasDependents(j)) {
                    return false;
                }
                if (j.job().isHung()) {
                    w.line(j.var() + ".timeout();");
                    j.job().timeout();
                } else {
                    w.line(j.var() + ".hang();");
                    j.job().hang();
                }
            }
            case GPU_FREE_BO -> {
                World.Bo bo = bo(b);
                if (bo == null || bo.bo().process() != null && w.forking(bo.bo().process()) || hasHungJob(bo.bo())) {
                    return false;
                }
                w.line(bo.var() + ".gpu().freeBo(" + bo.var() + ");");
                bo.bo().gpu().freeBo(bo.bo());
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private World.Bo bo(int pick) {
        List<World.Bo> live = new ArrayList<>();
        for (World.Bo bo : w.gpuBos) {
            if (!bo.bo().isFreed()) {
                live.add(bo);
            }
        }
        return live.isEmpty() ? null : live.get(Math.floorMod(pick, live.size()));
    }

    /** A job not signalled, not hung, whose dependencies have signalled. */
    private World.Job runnable(int pick) {
        List<World.Job> ready = new ArrayList<>();
        for (World.Job j : w.gpuJobs) {
            if (j.job().state() != GpuJob.State.SIGNALLED && !j.job().isHung() && j.job().after().stream().allMatch(x -> x.fence().isSignaled())) {
                ready.add(j);
            }
        }
        return ready.isEmpty() ? null : ready.get(Math.floorMod(pick, ready.size()));
    }

    private World.Job pending(int pick) {
        List<World.Job> p = new ArrayList<>();
        for (World.Job j : w.gpuJobs) {
            if (j.job().state() != GpuJob.State.SIGNALLED) {
                p.add(j);
            }
        }
        return p.isEmpty() ? null : p.get(Math.floorMod(pick, p.size()));
    }

    private boolean hasDependents(World.Job j) {
        return w.gpuJobs.stream().anyMatch(x -> x.job().after().contains(j.job()));
    }

    private boolean hasHungJob(GpuBo bo) {
        return w.gpuJobs.stream().anyMatch(x -> x.job().bo() == bo && x.job().isHung());
    }

    /** Teardown: hung jobs are reset, the others complete in submission order, the BOs are freed. */
    static void teardown(World w, java.util.function.Consumer<Runnable> tolerate) {
        for (World.Job j : w.gpuJobs) {
            if (j.job().isHung()) {
                w.line(j.var() + ".timeout();");
                tolerate.accept(j.job()::timeout);
            }
        }
        for (World.Job j : w.gpuJobs) {
            if (j.job().state() != GpuJob.State.SIGNALLED) {
                w.line(j.var() + ".complete();");
                tolerate.accept(j.job()::complete);
            }
        }
        for (World.Bo bo : w.gpuBos) {
            if (!bo.bo().isFreed()) {
                w.line(bo.var() + ".gpu().freeBo(" + bo.var() + ");");
                tolerate.accept(() -> bo.bo().gpu().freeBo(bo.bo()));
            }
        }
    }
}
