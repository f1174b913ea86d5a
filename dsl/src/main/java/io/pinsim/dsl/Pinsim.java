package io.pinsim.dsl;

import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.model.KernelModel;
import java.util.Objects;

/**
 * The one import of the scenario DSL: {@code import static io.pinsim.dsl.Pinsim.*;}
 *
 * <pre>{@code
 * kernel().process("A").malloc(pages(1)).pin(rdma).fork().childWrites('C').dmaCompletes()
 *         .assertParentSees(dmaData());
 * }</pre>
 */
public final class Pinsim {
    /** An RDMA NIC: {@code pin(rdma)} registers the buffer as a memory region. */
    public static final DeviceKind rdma = DeviceKind.RDMA;
    /** A VFIO-assigned device: {@code pin(vfio)} maps the buffer for DMA. */
    public static final DeviceKind vfio = DeviceKind.VFIO;
    /** An ext4-like filesystem: {@code file("data").on(ext4)}. */
    public static final FsKind ext4 = FsKind.EXT4;
    /** tmpfs / memfd. */
    public static final FsKind tmpfs = FsKind.TMPFS;
    /** fs-DAX. */
    public static final FsKind dax = FsKind.DAX;

    private Pinsim() {
    }

    /** A fresh kernel of the latest model, wrapped in a scenario. */
    public static Scenario kernel() {
        return kernel(KernelModel.LATEST);
    }

    /** A fresh kernel of this model, wrapped in a scenario. */
    public static Scenario kernel(KernelModel model) {
        Objects.requireNonNull(model, "model");
        return scenario(Kernel.builder().model(model).build());
    }

    /** A scenario on a kernel built elsewhere (by the JUnit extension, or with other settings). */
    public static Scenario scenario(Kernel kernel) {
        return new Scenario(new ScenarioState(Objects.requireNonNull(kernel, "kernel")));
    }

    /** {@code n} pages of 4 KiB. */
    public static Size pages(int n) {
        return new Size((long) n * Kernel.PAGE_SIZE);
    }

    /** {@code n} bytes. */
    public static Size bytes(long n) {
        return new Size(n);
    }

    /** The buffer filled with one character: {@code 'A' x 4096}. */
    public static Data fill(char c) {
        return Data.fill((byte) c);
    }

    /** Text at the start of the buffer: {@code "hello"}. */
    public static Data text(String text) {
        return Data.text(text);
    }

    /** The buffer all zeros. */
    public static Data zeros() {
        return Data.zeros();
    }

    /** What a device wrote last (or what an O_DIRECT read brought in), where it wrote it. */
    public static Data dmaData() {
        return Data.dma();
    }

    /**
     * For assertions on handles, outside a chain: these bytes, at the start, named as what the device
     * wrote. An assertion that misses them reports {@link BugKind#DEVICE_DATA_LOST}.
     * <pre>{@code assertThatFile(file).contains(dmaData("mlx5_0", dma));}</pre>
     */
    public static Data dmaData(String device, byte[] bytes) {
        java.util.Objects.requireNonNull(device, "device");
        java.util.Objects.requireNonNull(bytes, "bytes");
        return Data.device(device, bytes);
    }
}
