package io.pinsim.runtime;

/** The signals the model delivers, with their x86-64 numbers. */
public enum Signal {
    SIGBUS(7), SIGKILL(9), SIGSEGV(11);

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }
}
