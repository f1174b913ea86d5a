package io.pinsim.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.Gfp;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The timeline page as HTML text: self-contained, its lanes, frame tags, toolbar, folded snapshots,
 * the failing step and lockdep's reports. The browser test (module browser-test, {@code -Pbrowser})
 * checks the same page's behaviour in Chromium.
 */
class TimelineHtmlTest {

    private static Kernel forkedWithALockdepReport() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).seed(1).frameSnapshots(TraceReport.SNAPSHOTS_PER_STEP).build();
        Process a = k.spawn("A");
        long buf = a.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {1});
        a.fork("A-child");
        a.write(buf, new byte[] {2});
        // the canonical dma-fence deadlock: GFP_KERNEL in a fence-signalling section (device-semantics §5.4)
        DriverContext gpu = DriverContext.attach(k, "gpu0");
        boolean cookie = gpu.dmaFenceBeginSignalling();
        gpu.allocate(Gfp.KERNEL, "run_job: kmalloc");
        gpu.dmaFenceEndSignalling(cookie);
        return k;
    }

    @Test
    void theFailingPageIsSelfContainedAndCarriesItsControls() {
        Kernel k = forkedWithALockdepReport();
        int lastStep = k.trace().events().get(k.trace().events().size() - 1).step();
        String html = TimelineHtml.html("some.Test#method [LINUX_6_6]", k, "pinsim: some.Test#method [LINUX_6_6]\nfailed: x < y & z", true);

        // one file: no script, style sheet, image or font from elsewhere
        assertThat(html).doesNotContainPattern("(?i)<(script|img|link|iframe)[^>]*\\s(src|href)=").doesNotContain("@import").doesNotContain("url(")
                .contains("<script>").contains("<style>");
        assertThat(html).contains("<title>some.Test#method [LINUX_6_6]</title>").contains("failed: x &lt; y &amp; z")
                .contains("<pre class=\"header failed\">");
        // a lane per actor, each with its filter box
        for (String actor : TraceReport.actors(k.trace().events())) {
            assertThat(html).containsPattern("<th data-lane=\"\\d+\">" + Pattern.quote(actor) + "</th>")
                    .containsPattern("class=\"actor-filter\" checked data-lane=\"\\d+\"> " + Pattern.quote(actor) + "</label>");
        }
        // the failing step: the link, and its rows marked
        assertThat(html).contains("<a id=\"jump-failing\" href=\"#step-" + lastStep + "\">").contains("id=\"step-" + lastStep + "\"")
                .containsPattern("<tr class=\"ev failing[^\"]*\" data-lane=\"\\d+\" data-step=\"" + lastStep + "\"");
        // snapshots fold (closed details) and the buttons that fold and unfold them all
        assertThat(html).contains("<tr class=\"snap\" data-step=\"").contains("<details><summary>after step ")
                .contains("id=\"fold\"").contains("id=\"unfold\"");
        // every frame tag carries its number, and a frame named in a message is a tag too
        Matcher tags = Pattern.compile("<span class=\"f\"( data-pfn=\"(\\d+)\")?").matcher(html.substring(html.indexOf("<table id=\"lanes\"")));
        int count = 0;
        while (tags.find()) {
            assertThat(tags.group(1)).as("tag without data-pfn").isNotNull();
            count++;
        }
        assertThat(count).isGreaterThan(5);
        assertThat(html).containsPattern("frame <span class=\"f\" data-pfn=\"\\d+\"");
        // lockdep's report, linked to its step, with its cycle and its text
        var r = k.lockdep().reports().get(0);
        assertThat(html).contains("<section id=\"lockdep\"><h3>Lockdep: 1 report(s)</h3>")
                .contains("<b>possible circular locking dependency detected</b> at <a href=\"#step-" + r.step() + "\">step " + r.step() + "</a> by gpu0")
                .contains("dma_fence_map \u2192 fs_reclaim \u2192 mmu_notifier_invalidate_range_start \u2192 dma_fence_map");
        k.close();
    }

    @Test
    void aPassingRunHasNoFailingStepAndARunWithoutReportsNoLockdepSection() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).seed(1).frameSnapshots(TraceReport.SNAPSHOTS_PER_STEP).build();
        Process a = k.spawn("A");
        a.write(a.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS), new byte[] {1});
        String html = TimelineHtml.html("t", k, "passed", false);
        assertThat(html).doesNotContain("jump-failing").doesNotContain("ev failing").doesNotContain("id=\"lockdep\"")
                .contains("<pre class=\"header\">");
        k.close();
    }

    @Test
    void framesNamedInAMessageBecomeTags() {
        assertThat(TimelineHtml.framesInText("copied frame #1 to new frame #22; MR#256"))
                .isEqualTo("copied frame " + TimelineHtml.frameTag(1) + " to new frame " + TimelineHtml.frameTag(22) + "; MR#256");
    }

    /** Issue 16: a compound page is one group in the end table (its head, its size, the subpages mapped), not 512 tags. */
    @Test
    void aThpIsOneFolioGroupWithItsSubpagesInTheEndTable() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).seed(1)
                .transparentHugepage(io.pinsim.runtime.TransparentHugepage.ALWAYS).build();
        Process a = k.spawn("A");
        long thp = a.mmap(2 << 20, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.fill(thp, 2 << 20, (byte) 'x');
        long head = a.frameAt(thp).compoundHead().pfn();
        assertThat(a.frameAt(thp).isCompound()).as("the fault mapped a THP").isTrue();
        a.pinUserPages(thp, 1, io.pinsim.runtime.Foll.WRITE | io.pinsim.runtime.Foll.LONGTERM, "rdma0");

        String html = TimelineHtml.html("thp", k, "pinsim: thp", false);
        String end = html.substring(html.indexOf("<table id=\"end\">"));
        assertThat(end).contains("<span class=\"folio\" data-folio=\"" + head + "\">folio " + TimelineHtml.frameTag(head) + " (512 pages, PMD-mapped): subpages "
                + TimelineHtml.frameTag(head) + "&ndash;" + TimelineHtml.frameTag(head + 511));
        assertThat(end).as("the folio's pin is named once, on the group").contains("rdma0");
        assertThat(end.split("class=\"f\"", -1)).as("three tags (head, first and last subpage), not 512").hasSize(1 + 3);
    }

    /** Issue 16: a 1 GiB hugetlb folio is one group too, PUD-mapped, its run computed without touching its 262,144 subpages. */
    @Test
    void aGiganticHugetlbFolioIsOneFolioGroup() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).seed(1).hugetlbPages(Kernel.HUGE_PAGE_1GB, 1).build();
        Process a = k.spawn("A");
        long g = a.mmap(1L << 30, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB | MapFlags.HUGE_1GB);
        a.write(g + 4096, new byte[] {'x'});
        long head = a.frameAt(g).compoundHead().pfn();
        String html = TimelineHtml.html("giant", k, "pinsim: giant", false);
        String end = html.substring(html.indexOf("<table id=\"end\">"));
        assertThat(end).contains("<span class=\"folio\" data-folio=\"" + head + "\">folio " + TimelineHtml.frameTag(head) + " (262144 pages, PUD-mapped): subpages "
                + TimelineHtml.frameTag(head) + "&ndash;" + TimelineHtml.frameTag(head + 262_143));
    }
}
