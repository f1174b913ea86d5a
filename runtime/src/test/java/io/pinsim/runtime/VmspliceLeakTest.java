package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * S1, CVE-2020-29374 (Jann Horn, Project Zero issue 2045): the child vmsplices a COW-shared page
 * into a pipe and unmaps it; the parent writes a secret; the child reads the pipe. On 4.19 the
 * parent's write reuses the page (mapcount 1; the pipe's reference is not counted), so the secret
 * lands in the page the pipe holds. 5.8 gives the child its own copy at GUP time (17839856fd58);
 * 5.9 - 5.18 copy on the parent's write (refcount 2); from 5.19 the shared page is not exclusive
 * and the pipe's reference keeps it from being reused.
 */
class VmspliceLeakTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, LEAKS", "LINUX_5_8, SAFE", "LINUX_5_10, SAFE", "LINUX_6_1, SAFE", "LINUX_6_6, SAFE"})
    void childMustNotReadTheParentsSecretThroughThePipe(String model, String expected) {
        Kernel k = kernel(model);
        Process parent = k.spawn("A");
        long p = buffer(parent, 1, 'x');
        Process child = parent.fork();
        Pipe pipe = child.pipe();
        child.vmsplice(pipe, p, PAGE);
        child.munmap(p, PAGE);
        parent.write(p, fill('S', 6));

        byte[] got = pipe.read(child, 6);
        boolean leaked = new String(got, java.nio.charset.StandardCharsets.US_ASCII).equals("SSSSSS");
        assertThat(leaked).as("the child reads the parent's post-fork secret on %s", model).isEqualTo(expected.equals("LEAKS"));
        if (!leaked) {
            assertThat(got).containsOnly((byte) 'x');
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void thePipeCopiesAtReadTimeNotAtSpliceTime(String model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long p = buffer(a, 1, 'x');
        Pipe pipe = a.pipe();
        a.vmsplice(pipe, p + 10, 4);
        a.write(p + 10, fill('y', 4));
        assertThat(pipe.available()).isEqualTo(4);
        assertThat(pipe.read(a, 4)).containsOnly((byte) 'y');
        assertThat(a.frameAt(p).refcount()).as("the pipe dropped its reference once read").isEqualTo(1);
    }
}
