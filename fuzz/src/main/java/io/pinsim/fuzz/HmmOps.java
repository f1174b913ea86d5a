package io.pinsim.fuzz;

import io.pinsim.devices.HmmMirrorFile;

/**
 * The HMM operations of a fuzz sequence, on one {@link io.pinsim.devices.HmmMirror} (lib/test_hmm.c)
 * with a small pool of device-private memory: migrations to the device and back, device reads and
 * writes through each process's mirror (hmm_range_fault() under the interval notifier), device
 * exclusive access and the eviction of the whole pool. CPU accesses, fork, munmap and exit from the
 * other operations then meet device-private and device-exclusive entries.
 */
final class HmmOps {
    private final World w;

    HmmOps(World w) {
        this.w = w;
    }

    boolean apply(Op op) {
        switch (op.kind()) {
            case HMM_MIGRATE_TO_DEV, HMM_MIGRATE_TO_SYS, HMM_READ, HMM_WRITE, HMM_EXCLUSIVE -> {
                World.Proc p = w.liveProc(op.a());
                World.Range r = w.rangeAt(op.b());
                if (p == null || r == null) {
                    return false;
                }
                int total = (int) (r.length() / World.PAGE);
                int first = Math.floorMod(op.c(), total);
                int pages = Math.min(total - first, 1 + Math.floorMod(op.d(), 4));
                long at = r.addr() + (long) first * World.PAGE;
                String fd = w.mirrorVar(p);
                HmmMirrorFile m = w.mirror(p);
                switch (op.kind()) {
                    case HMM_MIGRATE_TO_DEV -> {
                        w.tolerantLine(fd + ".migrateToDevice(" + w.hex(at) + ", " + pages + ")");
                        m.migrateToDevice(at, pages);
                    }
                    case HMM_MIGRATE_TO_SYS -> {
                        w.tolerantLine(fd + ".migrateToSystem(" + w.hex(at) + ", " + pages + ")");
                        m.migrateToSystem(at, pages);
                    }
                    case HMM_READ -> {
                        w.tolerantLine(fd + ".read(" + w.hex(at) + ", " + pages + ")");
                        m.read(at, pages);
                    }
                    case HMM_WRITE -> {
                        w.tolerantLine(fd + ".write(" + w.hex(at) + ", fill('H', " + pages * World.PAGE + "))");
                        m.write(at, World.fill('H', pages * World.PAGE));
                    }
                    default -> {
                        w.tolerantLine(fd + ".exclusive(" + w.hex(at) + ", " + pages + ")");
                        m.exclusive(at, pages);
                    }
                }
            }
            case HMM_RELEASE -> {
                if (!w.hasHmm()) {
                    return false;
                }
                w.tolerantLine("hmm.release()");
                w.hmm().release();
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
