package io.pinsim.devices;

import static io.pinsim.devices.RdmaNicTest.PAGE;
import static io.pinsim.devices.RdmaNicTest.buffer;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.model.IbUmemGupFlags;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.KfdSvm;
import io.pinsim.runtime.model.RdmaCopyOnFork;
import io.pinsim.runtime.model.Switch;
import io.pinsim.runtime.trace.TraceKind;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * One behaviour test per value of the switches a device implements, as the runtime's
 * SwitchBehaviourTest does for the others: the value is set on a base model and the behaviour it
 * names is checked directly, in a nested class per switch.
 */
class DeviceSwitchBehaviourTest {
    /** The switches RdmaNic reads; the runtime's SwitchBehaviourTest lists the same ones as tested here. */
    static final List<Class<? extends Switch>> DEVICE_SWITCHES = List.of(IbUmemGupFlags.class, RdmaCopyOnFork.class, KfdSvm.class);

    @Nested
    class IbUmemGupFlagsValues {
        /** A read-only MR of a page fork made COW-shared: which FOLL_* flags ib_umem_get() pins it with. */
        private Process readOnlyMrOfASharedPage(KernelModel model, long[] buf) {
            Kernel k = Kernel.builder().model(model).build();
            RdmaNic nic = new RdmaNic(k, "mlx5_0");
            Process a = k.spawn("A");
            buf[0] = buffer(a, 1, 'A');
            a.fork();
            MemoryRegion mr = nic.regMr(nic.allocPd(a), buf[0], PAGE, IbAccess.REMOTE_READ);
            assertThat(mr.isCoherent(0)).isTrue();
            return a;
        }

        @Test
        void writeForceIfReadonlyBreaksCowWithAForcedWriteFault() {
            long[] buf = new long[1];
            Process a = readOnlyMrOfASharedPage(KernelModel.LINUX_6_6.with(IbUmemGupFlags.WRITE_FORCE_IF_READONLY), buf);
            assertThat(a.isMappedWritable(buf[0])).as("FOLL_WRITE|FOLL_FORCE faulted the page in writable").isTrue();
            assertThat(a.kernel().trace().events(e -> e.kind() == TraceKind.UNSHARE)).isEmpty();
        }

        @Test
        void writeIfWritablePinsReadOnlyAndUnshares() {
            long[] buf = new long[1];
            Process a = readOnlyMrOfASharedPage(KernelModel.LINUX_6_1.with(IbUmemGupFlags.WRITE_IF_WRITABLE), buf);
            assertThat(a.isMappedWritable(buf[0])).as("a R/O pin leaves the PTE read-only").isFalse();
            assertThat(a.kernel().trace().events(e -> e.kind() == TraceKind.UNSHARE)).hasSize(1);
        }
    }

    @Nested
    class RdmaCopyOnForkValues {
        private Process forkInitThenRegister(KernelModel model, ForkStatus expected) {
            Kernel k = Kernel.builder().model(model).build();
            RdmaNic nic = new RdmaNic(k, "mlx5_0");
            Process a = k.spawn("A");
            assertThat(nic.ibvForkInit(a)).isEqualTo(expected);
            long buf = buffer(a, 1, 'A');
            nic.regMr(nic.allocPd(a), buf, PAGE, IbAccess.LOCAL_WRITE);
            return a;
        }

        @Test
        void notReportedMakesIbvForkInitSetDontforkOnEveryRegistration() {
            Process a = forkInitThenRegister(KernelModel.LINUX_6_6.with(RdmaCopyOnFork.NOT_REPORTED), ForkStatus.ENABLED);
            assertThat(a.vmas().get(0).isDontCopy()).isTrue();
        }

        @Test
        void reportedMakesIbvForkInitANoOp() {
            Process a = forkInitThenRegister(KernelModel.LINUX_5_10.with(RdmaCopyOnFork.REPORTED), ForkStatus.UNNEEDED);
            assertThat(a.vmas().get(0).isDontCopy()).isFalse();
        }
    }

    @Nested
    class KfdSvmValues {
        @Test
        void noSvmIoctlRefusesAmdkfdIocSvmAndAGpuAccessOutsideAUserptrVmFaults() {
            Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6.with(KfdSvm.NO_SVM_IOCTL)).build();
            AmdKfd gpu = new AmdKfd(k, "amdgpu0");
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> gpu.svmSetAttr(a, buf, PAGE))
                    .isInstanceOf(io.pinsim.runtime.ErrnoException.class).hasMessageContaining("EINVAL");
            KfdDispatch d = gpu.dispatchRead(gpu.createQueue(a), buf, 1);
            assertThat(d.state()).isEqualTo(KfdDispatch.State.VM_FAULT);
            assertThat(d.detail()).contains("no retry faults");
        }

        @Test
        void svmRetryFaultsRegisterRangesAndServeGpuFaultsThroughHmmRangeFault() {
            Kernel k = Kernel.builder().model(KernelModel.LINUX_5_10.with(KfdSvm.SVM_RETRY_FAULTS)).build();
            AmdKfd gpu = new AmdKfd(k, "amdgpu0");
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            gpu.svmSetAttr(a, buf, PAGE);
            KfdDispatch d = gpu.dispatchRead(gpu.createQueue(a), buf, 1);
            assertThat(d.readData()).containsExactly('A');
            assertThat(gpu.gpuFrameAt(a, buf)).isSameAs(a.frameAt(buf));
            assertThat(k.trace().events(e -> e.message().contains("hmm_range_fault"))).isNotEmpty();
        }
    }

    /** Every value of each device switch has a test in a nested class named after the switch, whose name starts with the value. */
    @Test
    void everyDeviceSwitchValueHasABehaviourTestNamedAfterIt() {
        for (Class<? extends Switch> type : DEVICE_SWITCHES) {
            Class<?> tests = null;
            for (Class<?> c : DeviceSwitchBehaviourTest.class.getDeclaredClasses()) {
                if (c.getSimpleName().equals(type.getSimpleName() + "Values")) {
                    tests = c;
                }
            }
            assertThat(tests).as("a @Nested class %sValues", type.getSimpleName()).isNotNull();
            List<String> names = new ArrayList<>();
            for (Method m : tests.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Test.class)) {
                    names.add(m.getName());
                }
            }
            for (Switch value : type.getEnumConstants()) {
                String prefix = camel(value.name());
                assertThat(names).as("%sValues has a test named after %s", type.getSimpleName(), value.name()).anyMatch(n -> n.startsWith(prefix));
            }
        }
    }

    private static String camel(String constant) {
        StringBuilder sb = new StringBuilder();
        for (String part : constant.toLowerCase(Locale.ROOT).split("_")) {
            sb.append(sb.length() == 0 ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return sb.toString();
    }
}
