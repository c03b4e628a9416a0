# Search by the applicant's exact name or number: plain indexes on the blind-index columns, without the LIKE
# companions db_index=True made (the columns are only ever compared whole). The new indexes are built first, then
# the old ones dropped; CONCURRENTLY on PostgreSQL (tongban.core.schema).

from django.db import migrations, models

from tongban.core import schema


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('cases', '0002_hot_query_indexes'),
    ]

    operations = [
        schema.AddIndexConcurrently(
            model_name='case',
            index=models.Index(fields=['applicant_name_index'], name='case_applicant_name_idx'),
        ),
        schema.AddIndexConcurrently(
            model_name='case',
            index=models.Index(fields=['applicant_id_index'], name='case_applicant_id_idx'),
        ),
        schema.DropFieldIndex(
            model_name='case',
            name='applicant_id_index',
            field=models.CharField(blank=True, max_length=64, verbose_name='申请人证件号码索引'),
        ),
        schema.DropFieldIndex(
            model_name='case',
            name='applicant_name_index',
            field=models.CharField(max_length=64, verbose_name='申请人名称索引'),
        ),
    ]
