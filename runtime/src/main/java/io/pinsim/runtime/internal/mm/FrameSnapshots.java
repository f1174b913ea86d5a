package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.trace.FrameSnapshot;
import java.util.ArrayList;
import java.util.List;

/** The frame snapshots a kernel records at the end of each step when asked to (Kernel.Builder.frameSnapshots). */
final class FrameSnapshots {
    private FrameSnapshots() {
    }

    /** Records who holds each of the first frames the step touched, in the order it touched them. */
    static void record(MmCore k, int step, List<Page> touchedFrames, int max, List<FrameSnapshot> out) {
        for (int i = 0; i < touchedFrames.size() && i < max; i++) {
            Page f = touchedFrames.get(i);
            List<String> mappedBy = new ArrayList<>();
            k.rmap().walk(f, (mm, vma, vpn) -> {
                long pte = mm.pt.get(vpn);
                mappedBy.add(mm.owner.name() + " 0x" + Long.toHexString(vpn << Kernel.PAGE_SHIFT) + (Pte.isWrite(pte) ? " rw" : " ro"));
            });
            out.add(new FrameSnapshot(step, f.pfn(), f.toString(), mappedBy, f.holders(), f.isFree() ? "-" : f.describeContent()));
        }
    }
}
