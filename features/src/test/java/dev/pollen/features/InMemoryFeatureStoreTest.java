package dev.pollen.features;

class InMemoryFeatureStoreTest extends FeatureStoreContractTest {
    @Override
    protected FeatureStore create(FeatureSchema schema, EventTimePolicy policy, long capacity) {
        return InMemoryFeatureStore.create(schema, policy, capacity);
    }
}
