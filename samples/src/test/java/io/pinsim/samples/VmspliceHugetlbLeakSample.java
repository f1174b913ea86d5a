package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;

/**
 * CVE-2020-29374 on a 2 MiB hugetlb page: the child vmsplices the COW-shared hugetlb folio into a
 * pipe and unmaps it; the parent writes a secret; the child reads the pipe. hugetlb_wp()
 * (hugetlb_cow() before 5.19) reuses a folio whose mapcount is 1 in every release, whatever
 * references GUP holds, so the parent writes into the folio the pipe still holds. Upstream keeps
 * it that way on purpose: mm/hugetlb.c's comment ("As a side effect, there can still be leaks
 * between processes, for example, with FOLL_GET users", a7efb350f5d0) and cow.c's XFAIL for
 * hugetlb's vmsplice cases ("harder to fix and ... nobody really cares"). Only 5.8 is safe: its
 * GUP broke COW even for reads (17839856fd58, also for hugetlb in __get_user_pages()), so the
 * child's vmsplice took its own copy; 5.9 reverted that in favour of do_wp_page()'s refcount rule,
 * which hugetlb never adopted.
 */
@Sample(id = "vmsplice-hugetlb-leak", title = "vmsplice of a COW-shared hugetlb page by the child, the parent writes a secret",
        source = "CVE-2020-29374; mm/hugetlb.c hugetlb_wp() (mapcount rule kept, a7efb350f5d0 comment); tools/testing/selftests/mm/cow.c XFAIL for hugetlb vmsplice",
        story = "After fork the child vmsplices the shared 2 MiB hugetlb page into a pipe and unmaps it. The parent writes a secret into it. "
                + "hugetlb_wp() reuses a folio whose mapcount is 1 whatever GUP holds, in every release: the parent writes into the folio "
                + "the pipe still references and the child reads the secret. 5.8 is safe because its GUP broke COW at vmsplice time; "
                + "upstream's cow.c expects the leak on current kernels (XFAIL).")
class VmspliceHugetlbLeakSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"}, reference = "CVE-2020-29374, cow.c hugetlb XFAIL", expect = BugKind.LEAK_TO_CHILD,
            because = "the pipe copies from the frames its buffers hold at read time")
    void childMustNotReadTheParentsSecret(Scenario s) {
        s.process("A").mallocHugetlb(pages(512)).write('x').fork()
                .inChild().vmsplice().munmap()
                .inParent().write('S')
                .inChild().pipeRead().assertPipeSees(fill('x'));
    }
}
