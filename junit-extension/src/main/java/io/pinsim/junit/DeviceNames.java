package io.pinsim.junit;

/** The names the extension gives the devices it injects. */
final class DeviceNames {
    private DeviceNames() {
    }

    /** The family whose names a device type draws from: every NIC is an {@code mlx5_n}, every VFIO device a PCI address. */
    static String family(Class<?> type) {
        String simple = type.getSimpleName();
        if (simple.contains("Rdma") || simple.contains("Nic")) {
            return "mlx5";
        }
        if (simple.contains("Nvme")) {
            return "nvme";
        }
        if (simple.contains("Vfio")) {
            return "vfio";
        }
        return simple.toLowerCase(java.util.Locale.ROOT);
    }

    /** Injected devices get names that do not clash with the ones a scenario gives its own devices. */
    static String name(Class<?> type, int index) {
        return switch (family(type)) {
            case "mlx5" -> "mlx5_" + index;
            case "nvme" -> "nvme" + index + "n1";
            case "vfio" -> String.format("0000:%02x:00.0", index + 1);
            default -> family(type) + index;
        };
    }
}
