package dev.pollen.embedding;

import java.nio.file.Path;

class MappedIdIndexTest extends IdIndexContractTest {
    @Override
    protected IdIndex indexOf(MappedEmbeddingTable table, Path dir) {
        return table.index();
    }
}
