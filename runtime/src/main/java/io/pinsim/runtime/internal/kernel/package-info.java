/**
 * kernel/: tasks and processes. {@link io.pinsim.runtime.internal.kernel.KernelImpl} (the machine:
 * processes, filesystems, devices), {@link io.pinsim.runtime.internal.kernel.ProcessImpl} (the
 * syscall facade over mm, fs and io_uring; exit, signals), {@link io.pinsim.runtime.internal.kernel.TaskImpl},
 * {@link io.pinsim.runtime.internal.kernel.ForkStepsImpl} (kernel/fork.c: copy_process and
 * dup_mmap, driving mm's copy_page_range one PTE at a time), and
 * {@link io.pinsim.runtime.internal.kernel.DriverContextImpl} (the driver SPI's implementation).
 */
package io.pinsim.runtime.internal.kernel;
