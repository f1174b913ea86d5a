package io.pinsim.runtime.explore;

import io.pinsim.runtime.DirectReadSteps;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.model.KernelModel;
import java.util.Arrays;

/**
 * S4 with threads (LTP dma_thread_diotest, after Andrea Arcangeli's dma_thread.c): thread T2 of "A"
 * reads the first half of a page with a blocking O_DIRECT pread() while the main thread forks and
 * then writes the other half of the page. The parent must see the data the read returned.
 */
final class DirectReadForkRace {
    static final int PAGE = Kernel.PAGE_SIZE;

    /** What the setup builds and the operations fill in. */
    static final class Race {
        Process a;
        Task t2;
        OpenFile file;
        long buf;
        DirectReadSteps read;
    }

    private DirectReadForkRace() {
    }

    static Explorer<Race> explorer(KernelModel model) {
        return Explorer.on(Kernel.builder().model(model), DirectReadForkRace::setup)
                .thread("fork", Op.steps("fork()", (Race r) -> r.a.mainThread().forkSteps("B")),
                        Op.atomic("the parent writes the other half", (Race r) -> r.a.fill(r.buf + PAGE / 2, PAGE / 2, (byte) 'P')))
                .thread("read", Op.steps("pread(O_DIRECT)", (Race r) -> r.read = r.file.preadDirectSteps(r.t2, r.buf, PAGE / 2, 0)))
                .check("the parent sees the data it read", DirectReadForkRace::parentSeesTheRead);
    }

    static Race setup(Kernel k) {
        Race r = new Race();
        byte[] data = new byte[PAGE];
        Arrays.fill(data, (byte) 'F');
        Inode ino = k.mount(FsKind.EXT4).create("data", data);
        r.a = k.spawn("A");
        r.buf = r.a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        r.a.fill(r.buf, PAGE, (byte) 'A');
        r.file = r.a.open(ino, OpenFlags.RDONLY | OpenFlags.DIRECT);
        r.t2 = r.a.spawnThread("T2");
        return r;
    }

    static void parentSeesTheRead(Kernel k, Race r) {
        if (r.read.result() != PAGE / 2) {
            throw new AssertionError("pread() returned " + r.read.result());
        }
        char seen = (char) r.a.read(r.buf, 1)[0];
        if (seen != 'F') {
            throw new AssertionError("the parent reads '" + seen + "' where its O_DIRECT read put 'F': the read's DMA landed in a frame the parent no longer maps");
        }
    }
}
