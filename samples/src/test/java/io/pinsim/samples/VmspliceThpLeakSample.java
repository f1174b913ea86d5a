package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;

/**
 * CVE-2020-29374 on a PMD-mapped THP: the child vmsplices the COW-shared THP into a pipe and
 * unmaps it; the parent writes a secret; the child reads the pipe. 5.9 fixed the leak for small
 * pages (09854ba94c6a), but do_huge_pmd_wp_page() kept reuse_swap_page()'s mapcount rule until
 * 5.18 (3bff7e3f1f16): the parent, now the only mapper, reuses the THP the pipe still references.
 * 5.8 broke COW at vmsplice time (17839856fd58); 5.19 reuses only PageAnonExclusive THPs.
 */
@Sample(id = "vmsplice-thp-leak", title = "vmsplice of a COW-shared THP by the child, the parent writes a secret",
        source = "CVE-2020-29374; 3bff7e3f1f16 mm/huge_memory: streamline COW logic in do_huge_pmd_wp_page() (5.18)",
        story = "After fork the child vmsplices the shared 2 MiB THP into a pipe and unmaps it. The parent writes a secret into it. "
                + "do_huge_pmd_wp_page() kept the mapcount rule until 5.17: the parent is the only mapper and reuses the THP, which the pipe "
                + "still references, so the child reads the secret - on 4.19 and again on 5.9 - 5.17, where small pages were already safe. "
                + "5.8 broke COW at vmsplice time; 5.18 looks at the refcount and 5.19 at PageAnonExclusive.")
class VmspliceThpLeakSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_10"}, reference = "CVE-2020-29374, 3bff7e3f1f16", expect = BugKind.LEAK_TO_CHILD,
            because = "the pipe copies from the frames its buffers hold at read time")
    void childMustNotReadTheParentsSecret(Scenario s) {
        s.process("A").mallocThp(pages(512)).write('x').fork()
                .inChild().vmsplice().munmap()
                .inParent().write('S')
                .inChild().pipeRead().assertPipeSees(fill('x'));
    }
}
