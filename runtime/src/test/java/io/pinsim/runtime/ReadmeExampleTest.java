package io.pinsim.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The example at the top of README.md, exactly as written there, gives what the README says. */
class ReadmeExampleTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_5_8, pare, false", "LINUX_5_10, DMA!, true"})
    void readmeExample(String model, String parentReads, boolean coherent) {
        Kernel k = Kernel.builder().model(KernelModel.byName(model)).build();
        Process a = k.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, "hello".getBytes(StandardCharsets.US_ASCII));
        GupPages mr = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        Process child = a.fork();
        a.write(buf, "parent".getBytes(StandardCharsets.US_ASCII));
        mr.write(0, "DMA!".getBytes(StandardCharsets.US_ASCII));

        assertThat(new String(a.read(buf, 4), StandardCharsets.US_ASCII)).isEqualTo(parentReads);
        assertThat(mr.isCoherent(0)).isEqualTo(coherent);
        assertThat(child.isAlive()).isTrue();
        if (!coherent) {
            assertThat(k.trace().render()).contains("which process \"A\" no longer maps at 0x7f0000000000");
        }
    }
}
