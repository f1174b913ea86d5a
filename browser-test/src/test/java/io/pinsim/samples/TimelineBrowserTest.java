package io.pinsim.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The pages pinsim writes, opened in a real browser: headless Chromium driven through Selenium
 * WebDriver and Debian's chromedriver (paths from the system properties {@code pinsim.chromium} and
 * {@code pinsim.chromedriver}; Selenium Manager is never asked to download anything). It opens the
 * timeline of a failing test and the catalogue's index.html (two samples), checks their DOM and
 * behaviour - lanes, following a frame on click, the actor filter, folding, the jump to the failing
 * step, lockdep's report, links that resolve, nothing loaded from elsewhere, no console or script
 * error - and saves screenshots under target/browser/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Execution(ExecutionMode.SAME_THREAD)
class TimelineBrowserTest {
    private final Path out = Path.of(System.getProperty("pinsim.browserOut", "target/browser"));
    private ChromeDriver driver;
    private Path failingTimeline;
    private Path index;

    @BeforeAll
    void writePagesAndStartChromium() throws IOException {
        Files.createDirectories(out);
        // the failing test's files
        Path runs = out.resolve("failing");
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(BrowserFixtures.Failing.class))
                .configurationParameters(Map.of("pinsim.reportDir", runs.toString())).execute().testEvents()
                .assertStatistics(s -> s.started(1).failed(1));
        failingTimeline = runs.resolve("io.pinsim.samples.BrowserFixtures_Failing.gpuDriverAllocatesInASignallingSection").resolve("timeline.html");
        assertThat(failingTimeline).exists();
        // the catalogue of two samples: index.html, catalogue.json and a timeline per run
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int unexpected = new Catalogue(out.resolve("catalogue"), List.of(RdmaMrForkParentWritesSample.class, OdirectReadForkSample.class))
                .run(new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(unexpected).as(printed.toString(StandardCharsets.UTF_8)).isZero();
        index = out.resolve("catalogue").resolve("index.html");

        ChromeOptions options = new ChromeOptions();
        options.setBinary(System.getProperty("pinsim.chromium", "/usr/bin/chromium"));
        // root in a container has no sandbox; /dev/shm may be small
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                "--allow-file-access-from-files");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(System.getProperty("pinsim.chromedriver", "/usr/bin/chromedriver")).toFile()).build();
        driver = new ChromeDriver(service, options);
        // the console check below can fail: an error on a page reaches the test
        driver.get("data:text/html,<script>console.error('pinsim-probe')</script>");
        assertThat(driver.manage().logs().get(LogType.BROWSER).getAll()).as("the browser's console reaches the test")
                .anySatisfy(e -> assertThat(e.getMessage()).contains("pinsim-probe"));
    }

    @AfterAll
    void quit() {
        if (driver != null) {
            driver.quit();
        }
    }

    private void open(Path page) {
        driver.get(page.toUri().toString());
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> "complete".equals(js("return document.readyState")));
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private void screenshot(String name) throws IOException {
        Files.write(out.resolve(name), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    /** The browser's console since the last call: no error, no failed load, no uncaught exception. */
    private void assertNoConsoleErrors(String page) {
        List<String> errors = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.WARNING.intValue()) {
                errors.add(e.getLevel() + " " + e.getMessage());
            }
        }
        assertThat(errors).as("console of " + page).isEmpty();
    }

    /** Every link resolves: a fragment to an element of the page, a relative path to a file beside it; none leaves the machine. */
    private void assertLinksResolve(Path page) {
        List<WebElement> links = driver.findElements(By.cssSelector("a[href]"));
        assertThat(links).isNotEmpty();
        for (WebElement a : links) {
            String href = a.getAttribute("href");
            // the browser resolves the link; the report folders' [model] stays unescaped in it
            URI uri = URI.create(href.replace("[", "%5B").replace("]", "%5D"));
            assertThat(uri.getScheme()).as(href).isEqualTo("file");
            if (uri.getFragment() != null && Path.of(uri.getPath()).equals(page.toAbsolutePath())) {
                assertThat(driver.findElements(By.id(uri.getFragment()))).as("target of " + href).hasSize(1);
            } else {
                assertThat(Path.of(uri)).as("target of " + href).isRegularFile();
            }
        }
        // nothing was fetched: no script, style, image or font from anywhere
        assertThat(((Number) js("return performance.getEntriesByType('resource').length")).intValue()).as("resources loaded").isZero();
    }

    @Test
    void theFailingTestsTimeline() throws IOException {
        open(failingTimeline);
        assertThat(driver.getTitle()).isEqualTo("io.pinsim.samples.BrowserFixtures$Failing#gpuDriverAllocatesInASignallingSection [LINUX_6_6]");
        assertThat(driver.findElement(By.cssSelector("body")).getAttribute("data-ready")).as("the script ran to its end").isEqualTo("1");
        assertThat(driver.findElement(By.cssSelector("pre.header.failed")).getText()).contains("failed: ").contains("lockdep reports");

        // lanes: a column per actor: the kernel, the process, the NIC and the GPU
        List<String> lanes = driver.findElements(By.cssSelector("#lanes thead th[data-lane]")).stream().map(WebElement::getText).toList();
        assertThat(lanes).contains("kernel", "A", "rdma0", "gpu0");
        screenshot("failing-timeline.png");

        // click a frame: every tag of that frame is highlighted, in more than one lane, and the bar says which
        WebElement tag = driver.findElement(By.cssSelector("#lanes tr.ev .f[data-pfn]"));
        String pfn = tag.getAttribute("data-pfn");
        tag.click();
        List<WebElement> same = driver.findElements(By.cssSelector(".f[data-pfn='" + pfn + "']"));
        assertThat(same).hasSizeGreaterThan(1).allSatisfy(e -> assertThat(e.getAttribute("class")).contains("hl"));
        assertThat(driver.findElements(By.cssSelector(".f.hl:not([data-pfn='" + pfn + "'])"))).as("other frames stay plain").isEmpty();
        Set<String> lanesWithIt = new LinkedHashSet<>();
        for (WebElement row : driver.findElements(By.cssSelector("#lanes tr.ev.has-hl"))) {
            lanesWithIt.add(row.getAttribute("data-lane"));
        }
        assertThat(lanesWithIt).as("frame #" + pfn + " followed across lanes").hasSizeGreaterThan(1);
        WebElement following = driver.findElement(By.id("following"));
        assertThat(following.isDisplayed()).isTrue();
        assertThat(following.getText()).startsWith("following frame #" + pfn + ": in the events of step(s) ");
        screenshot("failing-timeline-following-a-frame.png");
        tag.click();
        assertThat(driver.findElements(By.cssSelector(".f.hl, tr.has-hl"))).as("a second click stops following").isEmpty();
        assertThat(following.isDisplayed()).isFalse();

        // filter by actor: unchecking gpu0 hides its lane and its events, checking it shows them again
        WebElement gpuBox = driver.findElement(By.xpath("//label[normalize-space()='gpu0']/input"));
        String gpuLane = gpuBox.getAttribute("data-lane");
        By gpuRows = By.cssSelector("#lanes tr.ev[data-lane='" + gpuLane + "']");
        By gpuHead = By.cssSelector("#lanes thead th[data-lane='" + gpuLane + "']");
        assertThat(driver.findElements(gpuRows)).isNotEmpty().allSatisfy(r -> assertThat(r.isDisplayed()).isTrue());
        gpuBox.click();
        assertThat(driver.findElement(gpuHead).isDisplayed()).isFalse();
        assertThat(driver.findElements(gpuRows)).allSatisfy(r -> assertThat(r.isDisplayed()).isFalse());
        assertThat(driver.findElements(By.cssSelector("#lanes tr.ev[data-lane='0']")).get(0).isDisplayed()).isTrue();
        gpuBox.click();
        assertThat(driver.findElement(gpuHead).isDisplayed()).isTrue();
        assertThat(driver.findElements(gpuRows)).allSatisfy(r -> assertThat(r.isDisplayed()).isTrue());

        // the per-step snapshots are folded; the buttons unfold and fold them all
        By snapshotLines = By.cssSelector("tr.snap li");
        assertThat(driver.findElements(snapshotLines)).isNotEmpty().allSatisfy(li -> assertThat(li.isDisplayed()).isFalse());
        driver.findElement(By.id("unfold")).click();
        assertThat(driver.findElements(snapshotLines)).allSatisfy(li -> assertThat(li.isDisplayed()).isTrue());
        assertThat(driver.findElement(By.cssSelector("tr.snap li")).getText()).contains("mapped by");
        screenshot("failing-timeline-unfolded.png");
        driver.findElement(By.id("fold")).click();
        assertThat(driver.findElements(snapshotLines)).allSatisfy(li -> assertThat(li.isDisplayed()).isFalse());

        // jump to the failing step: the last step's first row, marked, scrolled into view, even with its lane filtered out
        gpuBox.click();
        WebElement jump = driver.findElement(By.id("jump-failing"));
        String step = jump.getAttribute("href").replaceFirst(".*#step-", "");
        jump.click();
        WebElement failingRow = driver.findElement(By.id("step-" + step));
        assertThat(failingRow.getAttribute("class")).contains("failing");
        assertThat(failingRow.isDisplayed()).as("the jump shows a filtered lane again").isTrue();
        assertThat((Boolean) js("var r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;", failingRow))
                .as("the failing step is in view").isTrue();
        assertThat(driver.getCurrentUrl()).endsWith("#step-" + step);
        screenshot("failing-timeline-failing-step.png");

        // lockdep's report, linked to its step
        WebElement lockdep = driver.findElement(By.id("lockdep"));
        assertThat(lockdep.getText()).contains("possible circular locking dependency detected").contains("dma_fence_map \u2192 fs_reclaim");
        WebElement reportStep = lockdep.findElement(By.cssSelector("a[href^='#step-']"));
        js("window.scrollTo(0, 0)");
        reportStep.click();
        assertThat(driver.getCurrentUrl()).endsWith(reportStep.getAttribute("href").replaceFirst(".*#", "#"));

        assertLinksResolve(failingTimeline);
        assertNoConsoleErrors("the failing timeline");
    }

    @Test
    void theCatalogueIndexAndATimelineItLinks() throws IOException {
        open(index);
        assertThat(driver.getTitle()).isEqualTo("pinsim catalogue");
        // the kernels' matrix (the first table; the proposals' matrix below it lists the samples again)
        List<String> samples = driver.findElements(By.xpath("(//table)[1]//tr/td[1]/a")).stream().map(WebElement::getText).toList();
        assertThat(samples).containsExactly("odirect-read-fork", "rdma-mr-fork-parent-writes");
        assertThat(driver.findElements(By.cssSelector("td.BUG_REPRODUCED a")).stream().map(WebElement::getText).toList()).contains("bug");
        assertThat(driver.findElements(By.cssSelector("td.UNEXPECTED_FAILURE, td.UNEXPECTED_PASS, td.ERROR"))).isEmpty();
        assertLinksResolve(index);
        assertNoConsoleErrors("index.html");
        screenshot("catalogue-index.png");

        // follow a "bug" cell of the RDMA sample to its timeline: titled with the sample and the model
        driver.findElement(By.xpath("//tr[td/a[text()='rdma-mr-fork-parent-writes']]/td[@class='BUG_REPRODUCED'][1]/a[1]")).click();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> "1".equals(js("return document.body && document.body.getAttribute('data-ready')")));
        assertThat(driver.getTitle()).startsWith("rdma-mr-fork-parent-writes: io.pinsim.samples.RdmaMrForkParentWritesSample#");
        assertThat(driver.findElement(By.cssSelector("h2")).getText()).startsWith("rdma-mr-fork-parent-writes: ");
        Path timeline = Path.of(URI.create(driver.getCurrentUrl().replace("[", "%5B").replace("]", "%5D")));
        assertThat(driver.findElements(By.cssSelector("#lanes thead th[data-lane]"))).hasSizeGreaterThanOrEqualTo(3);
        // the documented bug: the parent's write after fork copies it off the pinned frame; follow the pinned frame
        driver.findElement(By.cssSelector("#lanes tr.ev .PIN ~ .f[data-pfn]")).click();
        assertThat(driver.findElements(By.cssSelector("#lanes tr.ev.has-hl"))).hasSizeGreaterThan(2);
        assertLinksResolve(timeline);
        assertNoConsoleErrors("a catalogue timeline");
        screenshot("catalogue-timeline.png");
        String docs = System.getProperty("pinsim.docScreenshot");
        if (docs != null) {
            // -Dpinsim.docScreenshot=docs/timeline.png: the README's picture, from this real run
            driver.findElement(By.id("jump-failing")).click();
            screenshot("doc.png");
            Files.write(Path.of(docs), Files.readAllBytes(out.resolve("doc.png")));
        }
    }
}
