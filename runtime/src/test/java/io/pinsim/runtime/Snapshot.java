package io.pinsim.runtime;

import io.pinsim.runtime.internal.mm.Pte;
import static io.pinsim.runtime.Internals.core;
import static io.pinsim.runtime.Internals.impl;
import static io.pinsim.runtime.Internals.mm;
import static io.pinsim.runtime.Internals.page;
/** Everything observable about a kernel's memory and files, as text, to show that a failed call changed nothing. */
final class Snapshot {
    private Snapshot() {
    }

    static String of(Kernel k) {
        StringBuilder sb = new StringBuilder();
        sb.append("frames ").append(k.usedFrames()).append(" swap ").append(k.swapSlotsInUse()).append(" user->locked_vm ").append(k.userLockedVm()).append('\n');
        for (Filesystem fs : k.filesystems()) {
            for (Inode ino : fs.files().values()) {
                sb.append(fs.name()).append(':').append(ino.name()).append(" size ").append(ino.size()).append(" cached ").append(ino.cachedPages())
                        .append(" dirty ").append(ino.dirtyPages()).append(' ').append(java.util.Arrays.hashCode(ino.read(0, (int) Math.min(ino.size(), 1 << 20))))
                        .append('\n');
            }
        }
        for (Process p : k.processes()) {
            sb.append(p).append(" pinned_vm ").append(p.pinnedVm()).append(" locked_vm ").append(p.lockedVm()).append(" RLIMIT_MEMLOCK ").append(p.rlimitMemlock())
                    .append(p.capIpcLock() ? " CAP_IPC_LOCK" : "").append(" threads ").append(p.threads().stream().map(Task::actor).toList()).append('\n');
            for (Vma v : p.vmas()) {
                sb.append("  ").append(v).append('\n');
            }
            mm(p).pt.forEach(0, Kernel.TASK_SIZE >>> Kernel.PAGE_SHIFT, (vpn, pte) -> {
                sb.append("  ").append(Long.toHexString(vpn << Kernel.PAGE_SHIFT)).append(' ').append(Pte.describe(pte));
                if (Pte.isPresent(pte)) {
                    Frame f = Pte.pfn(pte) == 0 ? k.zeroPage() : k.frame(Pte.pfn(pte));
                    sb.append(' ').append(f).append(' ').append(f.describeContent()).append(' ').append(f.holders());
                }
                sb.append('\n');
            });
        }
        return sb.toString();
    }
}
