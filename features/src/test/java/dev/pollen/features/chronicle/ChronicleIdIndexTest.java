package dev.pollen.features.chronicle;

import dev.pollen.embedding.IdIndex;
import dev.pollen.embedding.IdIndexContractTest;
import dev.pollen.embedding.MappedEmbeddingTable;
import java.nio.file.Path;

class ChronicleIdIndexTest extends IdIndexContractTest {
    @Override
    protected IdIndex indexOf(MappedEmbeddingTable table, Path dir) {
        return ChronicleIdIndex.build(table, dir.resolve(table.idKind() + ".cm"));
    }
}
