package io.pinsim.devices;

/**
 * A work completion (struct ibv_wc) in a completion queue.
 *
 * @param wrId    the work request's id
 * @param status  success or the error
 * @param byteLen bytes transferred
 * @param detail  what happened, in kernel and driver terms
 */
public record Completion(long wrId, WcStatus status, int byteLen, String detail) {
}
