from django.db import migrations, models


class Migration(migrations.Migration):
    """Route manual reviews and correction requests to a region (户籍地). Existing rows go to the province queue."""

    dependencies = [
        ("realname", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="manualreview",
            name="region_code",
            field=models.CharField(
                default="530000", editable=False,
                help_text="户籍地（身份证号前6位）对应的受理区划，按此分派给该区划的实名审核人员；省外或未知的归省级",
                max_length=6, verbose_name="受理区划代码"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="correctionrequest",
            name="region_code",
            field=models.CharField(
                default="530000", editable=False,
                help_text="户籍地（身份证号前6位）对应的受理区划，按此分派给该区划的实名审核人员；省外或未知的归省级",
                max_length=6, verbose_name="受理区划代码"),
            preserve_default=False,
        ),
    ]
