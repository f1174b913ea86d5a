package io.pinsim.devices;

/**
 * What a dmirror ioctl returned (struct hmm_dmirror_cmd, lib/test_hmm_uapi.h): the bytes copied out
 * of the device's bounce buffer, the pages it handled and the device faults it took.
 *
 * @param data   the bytes read (empty for a write or a migration to system memory)
 * @param cpages cmd.cpages
 * @param faults cmd.faults: how many times the device faulted the remaining range in
 */
public record HmmMirrorCmd(byte[] data, long cpages, long faults) {
    /** Copies the data. */
    public HmmMirrorCmd {
        data = java.util.Objects.requireNonNull(data, "data").clone();
    }

    /** A copy of the data. */
    @Override
    public byte[] data() {
        return data.clone();
    }
}
