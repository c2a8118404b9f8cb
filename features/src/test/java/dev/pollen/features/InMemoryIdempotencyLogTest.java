package dev.pollen.features;

class InMemoryIdempotencyLogTest extends IdempotencyLogContractTest {
    @Override
    protected IdempotencyLog create(int answerBytes, long windowMillis, long capacity) {
        return new InMemoryIdempotencyLog(answerBytes, windowMillis, capacity);
    }
}
