package io.pinsim.runtime;

import io.pinsim.runtime.Filesystem;
import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.Vma;
import java.util.Arrays;

/**
 * Everything the public API shows of a kernel's memory and files, as text, to show that a refused
 * call changed nothing: frames, swap, user->locked_vm, each file, and per process its counters, VMAs
 * and every PTE of them with the frame it maps and who holds it.
 */
public final class PublicSnapshot {
    private PublicSnapshot() {
    }

    public static String of(Kernel k) {
        StringBuilder sb = new StringBuilder();
        sb.append("frames ").append(k.usedFrames()).append(" swap ").append(k.swapSlotsInUse()).append(" user->locked_vm ").append(k.userLockedVm()).append('\n');
        for (Filesystem fs : k.filesystems()) {
            for (Inode ino : fs.files().values()) {
                sb.append(fs.name()).append(':').append(ino.name()).append(" size ").append(ino.size()).append(" cached ").append(ino.cachedPages())
                        .append(" dirty ").append(ino.dirtyPages()).append(' ').append(Arrays.hashCode(ino.read(0, (int) Math.min(ino.size(), 1 << 20)))).append('\n');
            }
        }
        for (Process p : k.processes()) {
            sb.append(p).append(" pinned_vm ").append(p.pinnedVm()).append(" locked_vm ").append(p.lockedVm()).append(" RLIMIT_MEMLOCK ").append(p.rlimitMemlock())
                    .append(p.capIpcLock() ? " CAP_IPC_LOCK" : "").append(" threads ").append(p.threads().stream().map(Task::actor).toList()).append('\n');
            for (Vma v : p.vmas()) {
                sb.append("  ").append(v).append('\n');
                for (long a = v.start(); a < v.end() && a < v.start() + (1L << 24); a += Kernel.PAGE_SIZE) {
                    Frame f = p.frameAt(a);
                    sb.append("    ").append(Long.toHexString(a)).append(' ').append(p.pteAt(a));
                    if (f != null) {
                        sb.append(' ').append(f).append(' ').append(f.describeContent()).append(' ').append(f.holders());
                    }
                    sb.append('\n');
                }
            }
        }
        return sb.toString();
    }
}
