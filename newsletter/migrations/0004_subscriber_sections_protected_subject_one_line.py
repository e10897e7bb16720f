import django.db.models.deletion
from django.db import migrations, models

import newsletter.models


class Migration(migrations.Migration):
    """The followed sections get an explicit through model on the same table, so that a followed section
    is protected from deletion; subjects and sender names stay on one line."""

    dependencies = [
        ("articles", "0004_roles"),
        ("newsletter", "0003_delivery_handed_over_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table, its columns and its unique index already exist: only Django's view changes.
            state_operations=[
                migrations.CreateModel(
                    name="SubscriberSection",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "section",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="articles.section",
                                verbose_name="rubrique",
                            ),
                        ),
                        (
                            "subscriber",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, to="newsletter.subscriber"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "rubrique suivie",
                        "verbose_name_plural": "rubriques suivies",
                        "db_table": "newsletter_subscriber_sections",
                        "ordering": ["id"],
                        "unique_together": {("subscriber", "section")},
                    },
                ),
                migrations.AlterField(
                    model_name="subscriber",
                    name="sections",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="Aucune rubrique cochée : l’abonné reçoit toutes les rubriques.",
                        related_name="+",
                        through="newsletter.SubscriberSection",
                        to="articles.section",
                        verbose_name="rubriques suivies",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name="edition",
            name="subject",
            field=models.CharField(max_length=200, validators=[newsletter.models.single_line], verbose_name="objet"),
        ),
        migrations.AlterField(
            model_name="newsletter",
            name="name",
            field=models.CharField(max_length=150, validators=[newsletter.models.single_line], verbose_name="nom"),
        ),
        migrations.AlterField(
            model_name="newsletter",
            name="from_name",
            field=models.CharField(
                blank=True, max_length=100, validators=[newsletter.models.single_line], verbose_name="nom de l’expéditeur"
            ),
        ),
        migrations.AddConstraint(
            model_name="edition",
            constraint=models.CheckConstraint(
                condition=models.Q(("subject__contains", "\n"), _negated=True)
                & models.Q(("subject__contains", "\r"), _negated=True),
                name="edition_subject_one_line",
                violation_error_message="L’objet doit tenir sur une ligne, sans saut de ligne.",
            ),
        ),
    ]
