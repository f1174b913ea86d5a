package io.pinsim.fuzz;

import io.pinsim.devices.AmdKfd;
import io.pinsim.devices.KfdQueue;
import io.pinsim.devices.KfdUserptr;

/**
 * amdkfd ({@link AmdKfd}): userptr allocations over the world's buffers, user-mode queues and their
 * dispatches (which run at once, or wait in the ring while an invalidation keeps the queues
 * evicted), the restore worker, SVM ranges, and freeing. Nothing is pinned: an invalidation by any
 * other operation (munmap, fork's write protect, reclaim, migration) evicts the queues.
 */
final class KfdOps {
    private final World w;

    KfdOps(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        int a = op.a();
        int b = op.b();
        int c = op.c();
        int d = op.d();
        switch (op.kind()) {
            case KFD_USERPTR, KFD_SVM -> {
                World.Proc p = w.liveProc(a);
                World.Range r = w.rangeAt(b);
                if (p == null || r == null || w.kfdUserptrs.size() >= 8) {
                    return false;
                }
                long off = (long) Math.floorMod(c, (int) (r.length() / World.PAGE)) * World.PAGE;
                long len = Math.min(r.length() - off, (long) (1 + Math.floorMod(d, 4)) * World.PAGE);
                AmdKfd kfd = w.kfd();
                if (op.kind() == Op.Kind.KFD_SVM) {
                    w.tolerantLine("kfd.svmSetAttr(" + p.var() + ", " + World.hex(r.addr() + off) + ", " + len + "L)");
                    kfd.svmSetAttr(p.p(), r.addr() + off, len);
                    return true;
                }
                String call = "kfd.allocUserptr(" + p.var() + ", " + World.hex(r.addr() + off) + ", " + len + "L)";
                KfdUserptr m;
                try {
                    m = kfd.allocUserptr(p.p(), r.addr() + off, len);
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                String v = w.newVar("up");
                w.line("KfdUserptr " + v + " = " + call + ";");
                w.kfdUserptrs.add(m);
                w.kfdUserptrVars.add(v);
            }
            case KFD_FREE -> {
                int i = pick(b);
                if (i < 0) {
                    return false;
                }
                w.tolerantLine("kfd.freeUserptr(" + w.kfdUserptrVars.get(i) + ")");
                w.kfd().freeUserptr(w.kfdUserptrs.get(i));
            }
            case KFD_QUEUE -> {
                World.Proc p = w.liveProc(a);
                if (p == null || w.kfdQueues.size() >= 4) {
                    return false;
                }
                String call = "kfd.createQueue(" + p.var() + ")";
                KfdQueue q;
                try {
                    q = w.kfd().createQueue(p.p());
                } catch (RuntimeException e) {
                    w.tolerantLine(call);
                    throw e;
                }
                w.line("KfdQueue kq" + w.kfdQueues.size() + " = " + call + ";");
                w.kfdQueues.add(q);
            }
            case KFD_DISPATCH -> {
                if (w.kfdQueues.isEmpty()) {
                    return false;
                }
                int qi = Math.floorMod(b, w.kfdQueues.size());
                KfdQueue q = w.kfdQueues.get(qi);
                World.Range r = w.rangeAt(c);
                if (!q.process().isAlive() || r == null) {
                    return false;
                }
                long va = r.addr() + (long) Math.floorMod(c >> 4, (int) (r.length() / World.PAGE)) * World.PAGE + Math.floorMod(d, 100);
                int len = 1 + Math.floorMod(d >> 2, 2 * World.PAGE);
                if (Math.floorMod(d, 2) == 0) {
                    w.tolerantLine("kfd.dispatchWrite(kq" + qi + ", " + World.hex(va) + ", fill('K', " + len + "))");
                    w.kfd().dispatchWrite(q, va, World.fill('K', len));
                } else {
                    w.tolerantLine("kfd.dispatchRead(kq" + qi + ", " + World.hex(va) + ", " + len + ")");
                    w.kfd().dispatchRead(q, va, len);
                }
            }
            case KFD_RESTORE -> {
                World.Proc p = w.liveProc(a);
                if (p == null || !w.hasKfd()) {
                    return false;
                }
                w.tolerantLine("kfd.restoreUserptrs(" + p.var() + ")");
                w.kfd().restoreUserptrs(p.p());
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** An allocation not freed yet, by index among those. */
    private int pick(int b) {
        java.util.List<Integer> live = new java.util.ArrayList<>();
        for (int i = 0; i < w.kfdUserptrs.size(); i++) {
            if (!w.kfdUserptrs.get(i).isFreed()) {
                live.add(i);
            }
        }
        return live.isEmpty() ? -1 : live.get(Math.floorMod(b, live.size()));
    }
}
