package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.PinsimAssertions.assertThatFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
import io.pinsim.dsl.BugKind;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.MemfdFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.SealFlags;

/**
 * A memfd whose page an RDMA NIC has pinned is write-sealed, and the NIC writes it. F_SEAL_WRITE
 * must refuse while the pin stays (memfd_wait_for_pins(): EBUSY). From 6.3, F_SEAL_EXEC on an
 * executable memfd implies F_SEAL_WRITE (c4f75bc8bd6b), but memfd_add_seals() added the implied
 * seals after the F_SEAL_WRITE checks, so neither mapping_deny_writable() nor memfd_wait_for_pins()
 * ran: the file reports F_SEAL_WRITE while the NIC still writes it. Fixed by 3b041514cb6e
 * ("memfd: deny writeable mappings when implying SEAL_WRITE", 2026, Cc stable). Before 6.3
 * F_SEAL_EXEC is unknown (EINVAL) and the sender's F_SEAL_WRITE is EBUSY, as it must be.
 */
@Sample(id = "memfd-seal-exec-pinned", title = "A memfd sealed with F_SEAL_EXEC while an RDMA NIC has its page pinned",
        source = "3b041514cb6e memfd: deny writeable mappings when implying SEAL_WRITE (Pratyush Yadav, 2026), fixing c4f75bc8bd6b (6.3)",
        story = "A process fills a memfd through a shared mapping, registers the mapping with an RDMA NIC (a long-term pin), unmaps it "
                + "and seals the file before handing it on: F_SEAL_EXEC where the kernel has it, which implies F_SEAL_WRITE on an "
                + "executable memfd, else F_SEAL_WRITE. F_SEAL_WRITE waits for pins and gives up with EBUSY; the seal F_SEAL_EXEC "
                + "implies skipped that check from 6.3 until 2026, so on 6.6 the file reports F_SEAL_WRITE and the NIC's write changes it.")
class MemfdSealExecPinnedSample {
    @PinsimModels
    @KnownBug(models = "LINUX_6_6", reference = "3b041514cb6e", expect = BugKind.DATA_CORRUPTION,
            because = "cached page")
    void aWriteSealedMemfdKeepsItsContents(Kernel kernel) {
        RdmaNic nic = new RdmaNic(kernel, "mlx5_0");
        Process a = kernel.spawn("A");
        OpenFile memfd = a.memfdCreate("payload", MemfdFlags.ALLOW_SEALING);
        memfd.ftruncate(4096);
        long buf = a.mmap(0, 4096, Prot.READ | Prot.WRITE, MapFlags.SHARED, memfd, 0);
        a.fill(buf, 4096, (byte) 'S');
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, 4096, IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE);
        a.munmap(buf, 4096);
        Errno refused = null;
        try {
            memfd.addSeals(SealFlags.EXEC);
        } catch (ErrnoException unknown) {
            try {
                memfd.addSeals(SealFlags.WRITE);
            } catch (ErrnoException e) {
                refused = e.errno();
            }
        }
        boolean writeSealed = (memfd.getSeals() & SealFlags.WRITE) != 0;
        assertThat(writeSealed || refused == Errno.EBUSY).as("the pinned memfd is either write-sealed or the seal is EBUSY").isTrue();
        nic.postWrite(mr, 0, "DMA".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        nic.processAll();
        nic.deregMr(mr);
        if (writeSealed) {
            assertThatFile(memfd.inode()).as("a write-sealed memfd keeps its contents").contains(fill('S'));
        }
    }
}
