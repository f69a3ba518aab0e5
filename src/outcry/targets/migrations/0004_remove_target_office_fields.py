from django.db import migrations, models


class Migration(migrations.Migration):
    """Step 3 of 3: the person keeps only what belongs to the person."""

    dependencies = [
        ("targets", "0003_split_targets_into_offices"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="target",
            options={"ordering": ["name"], "verbose_name": "target", "verbose_name_plural": "targets"},
        ),
        migrations.RemoveField(model_name="target", name="office"),
        migrations.RemoveField(model_name="target", name="office_en"),
        migrations.RemoveField(model_name="target", name="office_fr"),
        migrations.RemoveField(model_name="target", name="organisation"),
        migrations.RemoveField(model_name="target", name="organisation_en"),
        migrations.RemoveField(model_name="target", name="organisation_fr"),
        migrations.RemoveField(model_name="target", name="postal_address"),
        migrations.RemoveField(model_name="target", name="country"),
        migrations.RemoveField(model_name="target", name="phone"),
        migrations.RemoveField(model_name="target", name="fax"),
        migrations.RemoveField(model_name="target", name="email"),
        migrations.AlterField(
            model_name="target",
            name="key",
            field=models.SlugField(help_text="A short, stable name for imports, e.g. sergei-lavrov.", max_length=100, unique=True, verbose_name="key"),
        ),
        migrations.AlterField(
            model_name="target",
            name="salutation",
            field=models.CharField(blank=True, help_text='How a letter opens: "Your Excellency", "Monsieur le Ministre"', max_length=200, verbose_name="salutation"),
        ),
        migrations.AlterField(
            model_name="target",
            name="salutation_en",
            field=models.CharField(blank=True, help_text='How a letter opens: "Your Excellency", "Monsieur le Ministre"', max_length=200, null=True, verbose_name="salutation"),
        ),
        migrations.AlterField(
            model_name="target",
            name="salutation_fr",
            field=models.CharField(blank=True, help_text='How a letter opens: "Your Excellency", "Monsieur le Ministre"', max_length=200, null=True, verbose_name="salutation"),
        ),
    ]
