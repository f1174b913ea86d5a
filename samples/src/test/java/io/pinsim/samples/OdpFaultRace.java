package io.pinsim.samples;

import static io.pinsim.dsl.PinsimAssertions.assertThatBuffer;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
import io.pinsim.dsl.Buffer;
import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import java.util.function.BiFunction;

/**
 * The race of odp-fault-vs-invalidate and odp-fault-skips-read-retry: a NIC's device page fault on
 * an ODP MR (ibv_advise_mr(PREFETCH_WRITE): read_begin, hmm_range_fault, umem_mutex, read_retry,
 * map) in one thread, the process's madvise(MADV_DONTNEED) of the same page (its invalidation takes
 * umem_mutex, then the zap) in another. After both, the process writes the page again (a fresh
 * frame), and the NIC, if it maps the page, must map the frame the process maps.
 */
final class OdpFaultRace {
    static final int PAGE = 4096;

    /** One schedule's world: the process, its buffer, the NIC and its ODP MR. */
    static final class World {
        final Process a;
        final Buffer buffer;
        final RdmaNic nic;
        final MemoryRegion mr;

        World(Kernel k, BiFunction<Kernel, String, RdmaNic> device) {
            a = k.spawn("A");
            long buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.write(buf, new byte[] {'A'});
            buffer = new Buffer(a, buf, PAGE);
            nic = device.apply(k, "mlx5_0");
            mr = nic.regMr(nic.allocPd(a), buf, PAGE, IbAccess.ON_DEMAND | IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE);
        }

        void theNicMapsWhatTheProcessMaps() {
            a.write(buffer.address(), new byte[] {'P'});
            if (mr.deviceFrame(0) != null) {
                assertThatBuffer(buffer).as("the page mlx5_0 maps for MR#%d", mr.key()).mapsFrame(mr.deviceFrame(0));
            }
        }
    }

    private OdpFaultRace() {
    }

    /** The explorer on the test kernel's model and seed, for a NIC made by {@code device}. */
    static Explorer<World> explorer(Kernel kernel, BiFunction<Kernel, String, RdmaNic> device) {
        return Explorer.on(Kernel.builder().model(kernel.model()).seed(kernel.seed()), k -> new World(k, device))
                .thread("fault", Op.steps("ibv_advise_mr(PREFETCH_WRITE)", w -> w.nic.adviseSteps(w.mr, 0, PAGE, true)))
                .thread("dontneed", Op.steps("madvise(MADV_DONTNEED)", w -> w.a.mainThread().madviseSteps(w.buffer.address(), PAGE, Advice.DONTNEED)))
                .check("the NIC maps the frame the process maps", (k, w) -> w.theNicMapsWhatTheProcessMaps())
                .checkInvariants();
    }
}
