package io.pinsim.fuzz;

import io.pinsim.devices.SvaAccelerator;
import io.pinsim.devices.UacceQueue;

/**
 * The SVA operations of a fuzz sequence: a uacce accelerator's queues are opened (binding the
 * process's mm to a PASID; ENODEV where the model has no SVA), started, mapped, given jobs on
 * process virtual addresses (I/O page faults, IOTLB hits and invalidations) and closed (unbind).
 */
final class SvaOps {
    private final World w;

    SvaOps(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        switch (op.kind()) {
            case SVA_OPEN -> {
                World.Proc p = w.liveProc(op.a());
                if (p == null || w.queues.size() >= 8) {
                    return false;
                }
                SvaAccelerator acc = w.sva();
                String call = "sva.open(" + p.var() + ")";
                UacceQueue q;
                try {
                    q = acc.open(p.p());
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                String v = w.newVar("q");
                w.line("UacceQueue " + v + " = " + call + ";");
                w.queues.add(q);
                w.queueVars.add(v);
                w.line(v + ".start();");
                q.start();
                if (Math.floorMod(op.c(), 2) == 0) {
                    w.line(v + ".mmapDus();");
                    q.mmapDus();
                }
            }
            case SVA_JOB -> {
                int i = queue(op.b());
                World.Range r = w.rangeAt(op.c());
                if (i < 0 || r == null) {
                    return false;
                }
                UacceQueue q = w.queues.get(i);
                long off = Math.floorMod(op.d(), (int) Math.min(r.length(), 4L * World.PAGE));
                int len = 1 + Math.floorMod(op.d() >> 3, 64);
                String v = w.queueVars.get(i);
                if (Math.floorMod(op.a(), 3) == 0) {
                    w.tolerantLine(v + ".read(" + World.hex(r.addr() + off) + ", " + len + ")");
                    q.read(r.addr() + off, len);
                } else {
                    w.tolerantLine(v + ".write(" + World.hex(r.addr() + off) + ", fill('S', " + len + "))");
                    q.write(r.addr() + off, World.fill('S', len));
                }
            }
            case SVA_CLOSE -> {
                int i = queue(op.b());
                if (i < 0) {
                    return false;
                }
                w.tolerantLine(w.queueVars.get(i) + ".close()");
                w.queues.get(i).close();
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** An open queue of a live process that is not forking, by index; -1 if none. */
    private int queue(int pick) {
        java.util.List<Integer> open = new java.util.ArrayList<>();
        for (int i = 0; i < w.queues.size(); i++) {
            UacceQueue q = w.queues.get(i);
            if (q.state() != UacceQueue.State.RELEASED && q.process().isAlive() && !w.forking(q.process())) {
                open.add(i);
            }
        }
        return open.isEmpty() ? -1 : open.get(Math.floorMod(pick, open.size()));
    }
}
