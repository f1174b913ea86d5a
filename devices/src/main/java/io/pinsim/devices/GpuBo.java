package io.pinsim.devices;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.spi.DmaResv;

/**
 * A GPU buffer object (struct amdgpu_bo / radeon_bo): a handle, a reservation object
 * ({@link DmaResv}, the fences of the jobs that use it) and its backing store, either device memory
 * (VRAM) or user memory (a userptr BO, {@link UserptrMode}).
 */
public final class GpuBo {
    final Gpu gpu;
    final int handle;
    final Process process;
    final long address;
    final long length;
    final UserptrMode mode;
    final DmaResv resv;
    /** VRAM contents of a device-memory BO. */
    final byte[] vram;
    MmuIntervalNotifier notifier;
    /** GUP modes: the references held, or null when the BO holds no pages. */
    GupPages pages;
    /** HMM: the frames of the last hmm_range_fault(), valid while !readRetry(seq) under the notifier lock. */
    Frame[] hmmFrames;
    long hmmSeq;
    /** amdgpu_mn.c's ttm->mmu_invalidations: invalidations seen, and the count when the pages were got. */
    int invalidations;
    int pagesAtInvalidation;
    boolean freed;

    GpuBo(Gpu gpu, int handle, Process process, long address, long length, UserptrMode mode, DmaResv resv) {
        this.gpu = gpu;
        this.handle = handle;
        this.process = process;
        this.address = address;
        this.length = length;
        this.mode = mode;
        this.resv = resv;
        this.vram = mode == null ? new byte[(int) length] : null;
    }

    /** The GEM handle. */
    public int handle() {
        return handle;
    }

    /** The GPU it belongs to. */
    public Gpu gpu() {
        return gpu;
    }

    /** How it holds user memory; null for a device-memory (VRAM) BO. */
    public UserptrMode mode() {
        return mode;
    }

    /** The user address of a userptr BO, 0 for VRAM. */
    public long address() {
        return address;
    }

    /** The size in bytes. */
    public long length() {
        return length;
    }

    /** The process whose memory a userptr BO maps; null for VRAM. */
    public Process process() {
        return process;
    }

    /** The reservation object: the fences of the jobs that use the BO. */
    public DmaResv resv() {
        return resv;
    }

    /** The interval notifier guarding a userptr BO; null for VRAM and {@link UserptrMode#GUP_WITHOUT_NOTIFIER}. */
    public MmuIntervalNotifier notifier() {
        return notifier;
    }

    /** The get_user_pages() references a GUP-mode BO holds now, or null. */
    public GupPages pages() {
        return pages;
    }

    /** Whether GEM_CLOSE freed it. */
    public boolean isFreed() {
        return freed;
    }

    /**
     * What the GPU reads at an offset of a VRAM BO.
     *
     * @throws IllegalStateException    for a userptr BO (read its process's memory instead)
     * @throws IllegalArgumentException unless [offset, offset + n) lies within the BO
     */
    public byte[] readVram(long offset, int n) {
        if (vram == null) {
            throw new IllegalStateException(this + " is a userptr BO: read the memory of \"" + process.name() + "\" instead");
        }
        if (offset < 0 || n < 0 || offset + n > length) {
            throw new IllegalArgumentException("[" + offset + ", " + (offset + n) + ") is not within " + this + " (" + length + " bytes)");
        }
        return java.util.Arrays.copyOfRange(vram, (int) offset, (int) offset + n);
    }

    /** {@code gpu0 bo#1 (userptr HMM 0x10000+4096)}. */
    @Override
    public String toString() {
        return gpu.name() + " bo#" + handle + (mode == null ? " (VRAM " + length + ")" : " (userptr " + mode + " " + Kernel.hex(address) + "+" + length + ")");
    }
}
