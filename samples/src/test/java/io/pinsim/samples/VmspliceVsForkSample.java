package io.pinsim.samples;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.PinsimAssertionError;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.ForkSteps;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Pipe;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Search;

/**
 * CVE-2020-29374 (Jann Horn, Project Zero issue 2045) with the fork and the parent's write in
 * threads, explored: the main thread of "A" forks (step by step: mmap_lock, copy_present_pte()),
 * and the child vmsplices the COW-shared page into a pipe and unmaps it; thread T2 of "A" stores a
 * secret into the page, its write fault stepped as do_wp_page() / wp_page_copy() (it waits for
 * mmap_lock while fork holds it). The child must read from the pipe what its own memory held when it
 * vmspliced it. With the mapcount rule (before 5.8) a store after the child's unmap finds mapcount 1,
 * reuses the page the pipe still references, and the child reads the secret; 5.8 breaks COW at
 * vmsplice time (17839856fd58); 5.9+ copy on the parent's store (09854ba94c6a: refcount 2 &gt; 1).
 */
@Sample(id = "vmsplice-vs-fork", title = "vmsplice by the child of a page the parent's thread writes, fork and fault stepped (explored)",
        source = "CVE-2020-29374; Jann Horn, Project Zero issue 2045; 17839856fd58; 09854ba94c6a",
        story = "The main thread forks; the child vmsplices the shared page into a pipe and unmaps it; the parent's other thread stores a secret, "
                + "its write fault interleaved with fork step by step. With the mapcount rule the store after the unmap reuses the page the pipe "
                + "references and the child reads the secret; 5.8 copies at vmsplice time, 5.9+ on the parent's store.")
class VmspliceVsForkSample {
    static final int PAGE = Kernel.PAGE_SIZE;

    /** What every explored schedule starts from, and what the child saw and spliced. */
    static final class State {
        final Process a;
        final Task t2;
        final long buf;
        ForkSteps fork;
        Process child;
        Pipe pipe;
        byte childSaw;

        State(Kernel k) {
            a = k.spawn("A");
            buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.fill(buf, PAGE, (byte) 'x');
            t2 = a.spawnThread("T2");
        }
    }

    @PinsimModels
    @KnownBug(models = "LINUX_4_19", reference = "CVE-2020-29374, 17839856fd58, 09854ba94c6a", expect = BugKind.LEAK_TO_CHILD,
            because = "reused frame #1")
    void childReadsWhatItSpliced(Kernel kernel) {
        Explorer<State> explorer = Explorer.on(Kernel.builder().model(kernel.model()).seed(kernel.seed()), State::new)
                .thread("fork", Op.steps("fork()", (State s) -> s.fork = s.a.mainThread().forkSteps("B")),
                        Op.atomic("the child vmsplices the page", s -> {
                            s.child = s.fork.child();
                            s.childSaw = s.child.read(s.buf, 1)[0];
                            s.pipe = s.child.pipe();
                            s.child.vmsplice(s.pipe, s.buf, PAGE);
                        }),
                        Op.atomic("the child unmaps it", s -> s.child.munmap(s.buf, PAGE)))
                .thread("store", Op.steps("store 'S'", (State s) -> s.t2.writeSteps(s.buf, (byte) 'S')))
                .check("the child reads from the pipe what it spliced", (k, s) -> {
                    byte seen = s.pipe.read(s.child, 1)[0];
                    if (seen != s.childSaw) {
                        String because = k.trace().render().lines().filter(l -> l.contains("COW_REUSE")).reduce((x, y) -> y).orElse("").strip();
                        throw new PinsimAssertionError(BugKind.LEAK_TO_CHILD, String.format("%nExpecting %s read by \"B\" to see:%n  '%c' (what \"B\" spliced)%nbut saw:%n  '%c' (the parent's store)%nbecause: %s",
                                s.pipe.name(), (char) s.childSaw, (char) seen, because), because);
                    }
                });
        Explorations.assertEverySchedulePasses(explorer, Search.preemptionBounded(2));
    }
}
