/**
 * pinsim's public API: the simulated {@link io.pinsim.runtime.Kernel} (built with
 * {@link io.pinsim.runtime.Kernel#builder()}), its {@link io.pinsim.runtime.Process}es (a thin
 * syscall facade: mmap, fork, GUP, files, pipes, io_uring) and {@link io.pinsim.runtime.Task}s,
 * the handles they return ({@link io.pinsim.runtime.Frame}, {@link io.pinsim.runtime.Vma},
 * {@link io.pinsim.runtime.GupPages}, {@link io.pinsim.runtime.OpenFile},
 * {@link io.pinsim.runtime.Inode}, ...), the flags of the syscalls ({@link io.pinsim.runtime.Prot},
 * {@link io.pinsim.runtime.MapFlags}, {@link io.pinsim.runtime.Foll}, ...) and the errors
 * ({@link io.pinsim.runtime.PinsimException} and its subclasses).
 *
 * <p>The handles are interfaces: the implementation lives under {@code io.pinsim.runtime.internal},
 * one package per kernel directory, and is not API (it may change in any release). This package
 * never depends on it: {@code Kernel.builder()} finds it with {@link java.util.ServiceLoader}.
 * {@link io.pinsim.runtime.model} holds the kernel models, {@link io.pinsim.runtime.trace} the
 * trace and the kernel log, {@link io.pinsim.runtime.spi} what device drivers use.
 */
package io.pinsim.runtime;
