package io.pinsim.fuzz;

import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.IoUring;

/**
 * The end of every sequence: what a test or a process exit would release is released (pending
 * forks and GUP-fast run to completion, in-flight direct I/O completes, pins and references are
 * dropped, memory regions deregistered, IOMMU mappings removed, uacce queues, rings, files and HMM mirrors closed), then
 * {@code Kernel.close()}: every process exits, the invariants are checked over every frame, and the
 * leak check runs; every device page must be back in its pool. Every step is rendered, so a leak reproduces from the printed test.
 */
final class Teardown {
    private final World w;

    Teardown(World w) {
        this.w = w;
    }

    void run() {
        // every stepped operation runs to its end; one that waits for another's lock goes on in a
        // later round, once the holder has finished
        boolean progress = true;
        for (int round = 0; progress && round < 100; round++) {
            progress = false;
            for (World.Step s : w.steps) {
                int guard = 0;
                while (!s.s().isDone() && w.canStep(s) && !s.s().isBlocked() && guard++ < 10_000) {
                    w.tolerantLine(s.var() + ".step()");
                    tolerate(() -> s.s().step());
                    progress = true;
                    new DeviceOps(w).collect(s); // a finished GUP or MR registration: its pages are released below
                }
            }
            if (!progress) {
                // a truncate or hole punch waits in inode_dio_wait() for direct I/O in flight: the I/O completes
                for (int i = 0; i < w.dios.size() && !progress; i++) {
                    DirectIo d = w.dios.get(i);
                    if (!d.isDone()) {
                        w.tolerantLine(w.dioVars.get(i) + ".complete()");
                        tolerate(d::complete);
                        progress = true;
                    }
                }
            }
            if (!progress) {
                // a truncate or hole punch that waits for pins to drop (TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN):
                // the pins the sequence still holds are released, as the teardown releases them below anyway
                for (World.Pin p : w.pins) {
                    if (!p.g().isReleased() && !progress) {
                        w.release(p, true);
                        progress = true;
                    }
                }
            }
        }
        for (World.Step s : w.steps) {
            if (!s.s().isDone() && w.canStep(s)) {
                throw new IllegalStateException("stepped operations wait for each other forever: " + s.var() + " (" + s.s() + ") waits for "
                        + s.s().waitsFor() + "; its next step: " + s.s().nextStep());
            }
        }
        GpuOps.teardown(w, Teardown::tolerate);
        for (int i = 0; i < w.dios.size(); i++) {
            DirectIo d = w.dios.get(i);
            if (!d.isDone()) {
                w.tolerantLine(w.dioVars.get(i) + ".complete()");
                tolerate(d::complete);
            }
        }
        for (World.Pin p : w.pins) {
            if (!p.g().isReleased()) {
                w.release(p, true);
            }
        }
        for (World.Mr m : w.mrs) {
            if (!m.mr().isDeregistered()) {
                w.tolerantLine("nic.deregMr(" + m.var() + ")");
                tolerate(() -> w.nic().deregMr(m.mr()));
            }
        }
        if (w.hasVfio()) {
            for (Long iova : w.vfio().mappings().keySet().stream().sorted().toList()) {
                long size = w.vfio().mappings().get(iova).size();
                w.tolerantLine("vfio.unmapDma(0x" + Long.toHexString(iova) + "L, " + size + "L)");
                tolerate(() -> w.vfio().unmapDma(iova, size));
            }
        }
        for (int i = 0; i < w.queues.size(); i++) {
            if (w.queues.get(i).state() != io.pinsim.devices.UacceQueue.State.RELEASED) {
                w.tolerantLine(w.queueVars.get(i) + ".close()");
                w.queues.get(i).close();
            }
        }
        for (int i = 0; i < w.rings.size(); i++) {
            IoUring r = w.rings.get(i);
            w.tolerantLine("ring" + i + ".close()");
            tolerate(r::close);
        }
        for (World.File f : w.files) {
            if (!f.f().isClosed()) {
                w.tolerantLine(f.var() + ".close()");
                tolerate(() -> f.f().close());
            }
        }
        for (var e : w.mirrors.entrySet()) {
            w.tolerantLine("fd" + e.getKey() + ".close()");
            e.getValue().close();
        }
        w.kernel.close();
        if (w.hasHmm() && w.hmm().memory().freePages() != w.hmm().memory().nrPages()) {
            throw new IllegalStateException("after every process exited " + (w.hmm().memory().nrPages() - w.hmm().memory().freePages())
                    + " device page(s) of hmm_dmirror0 are still in use: an entry that referred to them was lost without dropping its reference");
        }
    }

    private static void tolerate(Runnable r) {
        try {
            r.run();
        } catch (ErrnoException | io.pinsim.devices.IommuFaultException | io.pinsim.runtime.SignalException e) {
            // refused as the kernel refuses (e.g. a ring already closed): the next step goes on
        }
    }
}
