package io.pinsim.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.RdmaNic;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.TruncateOp;

/**
 * On fs-DAX the pinned page is the file's block: truncate of a pinned block waits until the pin is
 * dropped (5fac7408d828, xfs_break_dax_layouts), and a long-term pin, which would make it wait
 * forever, is refused (EOPNOTSUPP, 2bb6d2837083).
 */
@Sample(id = "dax-truncate-waits-for-pin", title = "fs-DAX truncate of a pinned block waits; long-term pins are refused",
        source = "5fac7408d828 mm, fs, dax: handle layout changes to pinned dax mappings (4.18); 2bb6d2837083 get_user_pages_longterm (4.15)",
        story = "A process maps a file on fs-DAX, where the pages it maps are the file's blocks. An RDMA registration (a long-term pin) is "
                + "refused with EOPNOTSUPP. A short-term pin (an O_DIRECT request) is allowed; truncating the file then unmaps it from every "
                + "process and sleeps until the pin is dropped, and only then frees the block.")
class DaxTruncateWaitsForPinSample {
    @PinsimModels
    void truncateWaitsAndLongtermIsRefused(Kernel kernel, RdmaNic nic) {
        Inode file = kernel.mount(FsKind.DAX).create("pmem", new byte[4096]);
        Process a = kernel.spawn("A");
        OpenFile f = a.open(file, OpenFlags.RDWR);
        long map = a.mmap(0, 4096, Prot.READ | Prot.WRITE, MapFlags.SHARED, f, 0);
        assertThatThrownBy(() -> nic.regMr(nic.allocPd(a), map, 4096, IbAccess.LOCAL_WRITE))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
        GupPages dio = a.pinUserPages(map, 1, Foll.WRITE, "dio");
        TruncateOp truncate = f.startTruncate(0);
        assertThat(truncate.isDone()).isFalse();
        assertThat(truncate.waitingFor()).contains("DAX block 0");
        dio.unpin(true);
        assertThat(truncate.isDone()).isTrue();
        assertThat(file.size()).isZero();
    }
}
