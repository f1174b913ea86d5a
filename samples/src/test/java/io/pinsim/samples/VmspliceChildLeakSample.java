package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;

/**
 * CVE-2020-29374 (Jann Horn, Project Zero issue 2045): the child vmsplices a COW-shared page into a
 * pipe and unmaps it; the parent writes a secret; the child reads the pipe. On 4.19 the parent's
 * write reuses the page (mapcount 1: the pipe's reference is not counted) and the child reads the
 * secret. 5.8 gives the child its own copy at GUP time (17839856fd58); later kernels copy on the
 * parent's write.
 */
@Sample(id = "vmsplice-child-leak", title = "vmsplice of a COW-shared page by the child, the parent writes a secret",
        source = "CVE-2020-29374; Jann Horn, Project Zero issue 2045; 17839856fd58",
        story = "After fork the child vmsplices the shared page into a pipe and unmaps it. The parent writes a secret into the page. "
                + "With the mapcount rule the parent is the only mapper and reuses the page, which the pipe still references: the child "
                + "reads the parent's secret from the pipe. 5.8 broke COW at vmsplice time; 5.9+ copy on the parent's write.")
class VmspliceChildLeakSample {
    @PinsimModels
    @KnownBug(models = "LINUX_4_19", reference = "CVE-2020-29374, 17839856fd58", expect = BugKind.LEAK_TO_CHILD,
            because = "reused frame #1: mapcount + swapcount = 1 <= 1")
    void childMustNotReadTheParentsSecret(Scenario s) {
        s.process("A").malloc(pages(1)).write('x').fork()
                .inChild().vmsplice().munmap()
                .inParent().write('S')
                .inChild().pipeRead().assertPipeSees(fill('x'));
    }
}
