"""What pages declare to search engines and social networks: JSON-LD blocks and the share image."""

from django import template

from articles import structured_data as sd
from articles.links import absolute_url
from articles.live_views import live_blog_posting

register = template.Library()


@register.simple_tag(takes_context=True)
def article_structured_data(context):
    """NewsArticle and BreadcrumbList from what the article page already loaded (no extra query)."""
    article = context["article"]
    news = sd.news_article(
        article, authors=context["authors"], tags=context["tags"], corrections=context["corrections"]
    )
    if context.get("live") is not None:  # a direct: LiveBlogPosting, with its entries as updates
        news = live_blog_posting(news, live=context["live"], entries=context["live_all_entries"])
    trail = sd.breadcrumbs((article.section.name, article.section), (article.headline, article))
    return sd.json_ld(news) + sd.json_ld(trail)


@register.simple_tag
def home_structured_data():
    return sd.json_ld(sd.website())


@register.simple_tag(takes_context=True)
def collection_structured_data(context):
    page = context.get("page_obj")
    path = context["request"].path + (f"?page={page.number}" if page and page.number > 1 else "")
    data = sd.collection_page(
        name=context["heading"],
        path=path,
        description=context.get("description") or context["heading"],
        articles=context["object_list"],
    )
    return sd.json_ld(data)


@register.simple_tag
def share_image(article=None):
    """Absolute URL of the image a card shows: the story's first share image, else the site's."""
    images = article.share_images() if hasattr(article, "share_images") else []
    return absolute_url(images[0]) if images else sd.default_image_url()
