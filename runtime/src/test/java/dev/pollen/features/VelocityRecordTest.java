package dev.pollen.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class VelocityRecordTest {
    private static final long T = 1_793_577_600_000L;

    @Test
    void windowsCountAndSumWhatFallsInThem() {
        UnsafeBuffer buf = new UnsafeBuffer(new byte[VelocityRecord.LENGTH]);
        VelocityRecord r = new VelocityRecord().wrap(buf, 0);
        r.add(T, 10);
        r.add(T + 5_000, 20);
        r.add(T + 30 * 60_000, 5);
        VelocitySnapshot s = new VelocitySnapshot();
        r.read(T + 30 * 60_000, s);
        assertEquals(1, s.count(VelocityWindows.MINUTE));
        assertEquals(5, s.amount(VelocityWindows.MINUTE), 1e-6);
        assertEquals(3, s.count(VelocityWindows.HOUR));
        assertEquals(35, s.amount(VelocityWindows.HOUR), 1e-6);
        r.read(T + 2 * 3_600_000, s);
        assertEquals(0, s.count(VelocityWindows.HOUR));
        assertEquals(3, s.count(VelocityWindows.DAY));
        r.read(T + 25 * 3_600_000, s);
        assertEquals(0, s.count(VelocityWindows.DAY));
        assertEquals(3, r.sequence());
    }

    @Test
    void aBucketIsReusedOnlyForItsOwnInterval() {
        UnsafeBuffer buf = new UnsafeBuffer(new byte[VelocityRecord.LENGTH]);
        VelocityRecord r = new VelocityRecord().wrap(buf, 0);
        r.add(T, 1);
        r.add(T + 60_000, 1);
        VelocitySnapshot s = new VelocitySnapshot();
        r.read(T + 60_000, s);
        assertEquals(1, s.count(VelocityWindows.MINUTE), "the bucket of T was recycled for T + 60 s");
        assertEquals(2, s.count(VelocityWindows.HOUR));
    }

    @Test
    void anUpdateInterruptedBeforeItsSequenceIsPublishedLeavesThePreviousState() {
        UnsafeBuffer buf = new UnsafeBuffer(new byte[VelocityRecord.LENGTH]);
        VelocityRecord r = new VelocityRecord().wrap(buf, 0);
        r.add(T, 7);
        r.add(T, 7);
        VelocitySnapshot before = new VelocitySnapshot();
        r.read(T, before);
        // Simulate a writer killed half-way: garbage in the inactive slot's buckets, sequence never published.
        int inactive = buf.getLong(0) > buf.getLong(512) ? 512 : 0;
        for (int i = inactive + 8; i < inactive + 300; i++) {
            buf.putByte(i, (byte) 0x5A);
        }
        VelocitySnapshot after = new VelocitySnapshot();
        r.read(T, after);
        assertEquals(before.toString(), after.toString());
        assertEquals(2, r.sequence());
        r.add(T, 7);
        r.read(T, after);
        assertEquals(3, after.count(VelocityWindows.MINUTE), "the next update starts from the intact slot");
    }

    @Test
    void cardKeysAreStableAndSpread() {
        assertEquals(CardKeys.of("card_00000001"), CardKeys.of(new StringBuilder("card_00000001")));
        java.util.Set<Long> keys = new java.util.HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            keys.add(CardKeys.of(String.format("card_%08d", i)));
        }
        assertEquals(100_000, keys.size());
    }

    @Test
    void readAndAddSeesWhatReadThenAddSeesAndLeavesTheSameBytes() {
        UnsafeBuffer fused = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(VelocityRecord.LENGTH + 64));
        UnsafeBuffer split = new UnsafeBuffer(new byte[VelocityRecord.LENGTH]);
        VelocityRecord a = new VelocityRecord().wrap(fused, 64);
        VelocityRecord b = new VelocityRecord().wrap(split, 0);
        VelocitySnapshot sa = new VelocitySnapshot();
        VelocitySnapshot sb = new VelocitySnapshot();
        java.util.Random random = new java.util.Random(12);
        long now = 1_793_577_600_000L;
        for (int i = 0; i < 5_000; i++) {
            now += (long) (random.nextDouble() * random.nextDouble() * 7_200_000L);
            double amount = random.nextDouble() * 500;
            a.readAndAdd(now, amount, sa);
            b.read(now, sb);
            b.add(now, amount);
            assertEquals(sb.toString(), sa.toString(), "transaction " + i);
        }
        byte[] fusedBytes = new byte[VelocityRecord.LENGTH];
        fused.getBytes(64, fusedBytes);
        org.junit.jupiter.api.Assertions.assertArrayEquals(split.byteArray(), fusedBytes);
    }

    @Test
    void wrapRefusesABufferTooSmallForARecord() {
        UnsafeBuffer small = new UnsafeBuffer(new byte[VelocityRecord.LENGTH]);
        IndexOutOfBoundsException e = org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> new VelocityRecord().wrap(small, 8));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("needs 1024 bytes from offset 8"),
                e.getMessage());
    }
}
